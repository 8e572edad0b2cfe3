/* One ensemble member trained on the GPU inside `ddad run` (Exp.device cuda, or auto with
 * a GPU visible). The host network stays the reference copy: its initial (or resumed)
 * state goes up once, the member's training set goes up once as uint8, and so does the
 * whole schedule of the remaining epochs (each epoch's order from ddad_epoch_order, the
 * same as the CPU path). Each epoch replays the captured training step (ae_train_gpu.h);
 * ddad_member_gpu_to_host brings parameters, Adam moments and counters back for a
 * checkpoint, whose format is the CPU path's. */
#ifndef DDAD_CUDA_MEMBER_GPU_H
#define DDAD_CUDA_MEMBER_GPU_H

#include <stdint.h>

#include "model/adam.h"
#include "model/ae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_member_gpu ddad_member_gpu;

typedef struct {
    ddad_ae *host;              /* the member's network, initialised or resumed */
    const uint8_t *images;      /* its training set, [n][img_size^2] */
    int64_t n;
    int batch;
    uint64_t seed;
    int module, index;          /* the member, for ddad_epoch_order */
    int first_epoch, epochs;    /* epochs first_epoch .. epochs-1 remain */
    ddad_adam_cfg opt;
    int tf32;                   /* Exp.precision tf32 */
} ddad_member_gpu_spec;

ddad_member_gpu *ddad_member_gpu_create(const ddad_member_gpu_spec *spec);
void ddad_member_gpu_free(ddad_member_gpu *g);

/* Trains the next epoch (n / batch steps) and waits for it; returns the mean step loss,
 * NaN or infinite ones included (the caller checks), and the epoch's seconds. */
double ddad_member_gpu_epoch(ddad_member_gpu *g, double *seconds);

/* Copies the device state (parameters, Adam moments, BatchNorm buffers, counters) into
 * the host network. */
void ddad_member_gpu_to_host(ddad_member_gpu *g);

#ifdef __cplusplus
}
#endif

#endif

/* Member training on the GPU with no host work per step: the dataset stays on the device
 * as uint8, the whole schedule of batch indices is uploaded once, and one training step
 * (gather + normalise, forward, loss, backward, Adam, advance the batch cursor) is captured
 * as a CUDA graph and replayed. The loss is copied to pinned host memory every `loss_every`
 * steps with an event, and read back later without stalling the stream. */
#ifndef DDAD_CUDA_AE_TRAIN_GPU_H
#define DDAD_CUDA_AE_TRAIN_GPU_H

#include <stdint.h>

#include "cuda/ae_gpu.h"
#include "cuda/loss_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_ae_gpu_trainer ddad_ae_gpu_trainer;

/* d_images: [n_images][H*W] uint8 on the device. d_order: [n_steps][batch] int64 image
 * indices on the device (every epoch's shuffled order, drop_last applied). use_graph = 0
 * launches the same kernels eagerly (for comparison and debugging). The first step runs
 * eagerly in any case: it chooses the cuDNN algorithms before the capture. */
ddad_ae_gpu_trainer *ddad_ae_gpu_trainer_create(ddad_ae_gpu *ae, const uint8_t *d_images, const int64_t *d_order,
                                                int64_t n_steps, int batch, const ddad_adam_cfg *opt, int loss_every,
                                                int use_graph);
void ddad_ae_gpu_trainer_free(ddad_ae_gpu_trainer *t);

/* Enqueues `steps` more training steps (no more than remain in the schedule). */
void ddad_ae_gpu_trainer_run(ddad_ae_gpu_trainer *t, int64_t steps);
int64_t ddad_ae_gpu_trainer_steps_done(const ddad_ae_gpu_trainer *t);

/* The oldest loss reading that has arrived: returns 1 and fills *out, or 0 when none has
 * (never blocks). wait = 1 blocks until the oldest pending reading arrives (0 if none is pending). */
int ddad_ae_gpu_trainer_poll(ddad_ae_gpu_trainer *t, int wait, ddad_loss_reading *out);

#ifdef __cplusplus
}
#endif

#endif

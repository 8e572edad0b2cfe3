/* The GPU trainers' loss readings on their way to the host without stalling the stream:
 * after a step, its `width` device floats (the loss; for the members also the
 * reconstruction error next to it) are copied to pinned host memory and an event is
 * recorded; the host collects the readings oldest first once their events have fired. */
#ifndef DDAD_CUDA_LOSS_RING_H
#define DDAD_CUDA_LOSS_RING_H

#include <cuda_runtime_api.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readings a trainer holds until they are polled: past that the oldest is dropped, so a
 * caller polls at least this often (loss_drain.h). */
#define DDAD_GPU_LOSS_RING 64

typedef struct {
    int64_t step;     /* 1-based training step the loss belongs to */
    float loss, rec_err;
} ddad_loss_reading;

typedef struct ddad_gpu_comm ddad_gpu_comm;

typedef struct {
    int width;                          /* floats per reading: 1 (loss) or 2 (loss, rec_err) */
    ddad_gpu_comm *comm;                /* NULL, or the collectives the steps use (waits watch NCCL's errors) */
    float *pinned;                      /* DDAD_GPU_LOSS_RING x width */
    cudaEvent_t ev[DDAD_GPU_LOSS_RING];
    int64_t step[DDAD_GPU_LOSS_RING];
    int head, count;                    /* oldest pending slot, pending readings */
} ddad_loss_ring;

void ddad_loss_ring_init(ddad_loss_ring *r, int width, ddad_gpu_comm *comm);
void ddad_loss_ring_free(ddad_loss_ring *r);
/* Queues the copy of d_values (width floats) for `step` on `stream`; a full ring first
 * waits for its oldest reading and drops it. */
void ddad_loss_ring_record(ddad_loss_ring *r, const float *d_values, int64_t step, cudaStream_t stream);
/* The oldest reading that has arrived: 1 and *out, or 0 when none has (never blocks);
 * wait = 1 blocks until the oldest pending one arrives (0 when none is pending). */
int ddad_loss_ring_poll(ddad_loss_ring *r, int wait, ddad_loss_reading *out);

#ifdef __cplusplus
}
#endif

#endif

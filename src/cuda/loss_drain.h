/* Running a GPU trainer for many steps and summing its per-step loss readings without
 * overflowing its ring (DDAD_GPU_LOSS_RING readings): the steps are queued in chunks of
 * half the ring, each chunk before the previous one's readings are collected, so the
 * device always has queued work while the host waits for readings. */
#ifndef DDAD_CUDA_LOSS_DRAIN_H
#define DDAD_CUDA_LOSS_DRAIN_H

#include <stdint.h>

#include "cuda/ae_train_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A trainer seen through two calls: queue `steps` more steps; collect the oldest reading
 * (wait = 1 blocks until it arrives; returns 0 when none is pending). */
typedef struct {
    void *trainer;
    void (*run)(void *trainer, int64_t steps);
    int (*poll)(void *trainer, int wait, ddad_loss_reading *out);
    const char *what; /* for the error message */
} ddad_loss_source;

/* Runs `steps` steps (one loss reading each) and returns the sum of their losses. Ends the
 * program when a reading does not arrive. */
double ddad_run_summing_losses(const ddad_loss_source *src, int64_t steps);

/* The chunk schedule, apart from any GPU (a unit test checks it): after chunk c of
 * `chunk` steps has been queued (queued steps in all, of `steps`), how many readings must
 * be collected so that the next chunk fits in the ring. */
int64_t ddad_loss_drain_collect(int64_t steps, int64_t queued, int64_t collected, int64_t chunk);

#ifdef __cplusplus
}
#endif

#endif

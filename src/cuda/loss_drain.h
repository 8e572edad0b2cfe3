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

#ifdef __cplusplus
}
#endif

#endif

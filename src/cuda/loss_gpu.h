/* Losses on the GPU with nn/loss.h's semantics. The loss is not returned: it is written,
 * as a float, to the device scalar *d_loss, so a captured training step needs no host
 * round trip (read it back with ddad_gpu_read_float from gpu_ctx.h, or asynchronously). Sums are taken in
 * double in a fixed order. grad may be NULL. */
#ifndef DDAD_CUDA_LOSS_GPU_H
#define DDAD_CUDA_LOSS_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mean((out - x)^2). */
void ddad_mse_loss_gpu(ddad_gpu_ctx *ctx, size_t count, const float *out, const float *x, float *grad,
                       float *d_loss);

/* AE-U: out [n][2][hw], x [n][1][hw]. d_rec_err (device, may be NULL): mean((mean - x)^2). */
void ddad_aeu_loss_gpu(ddad_gpu_ctx *ctx, int n, int hw, const float *out, const float *x, float *grad,
                       float *d_loss, float *d_rec_err);

/* Focal loss on probabilities prob [n][2][hw], 0/1 targets [n][hw], divided by norm_count. */
void ddad_focal_loss_gpu(ddad_gpu_ctx *ctx, int n, int hw, const float *prob, const uint8_t *target,
                         double norm_count, float *grad, float *d_loss);

#ifdef __cplusplus
}
#endif

#endif

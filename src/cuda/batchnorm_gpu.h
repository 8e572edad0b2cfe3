/* BatchNorm on the GPU with nn/batchnorm.h's semantics (1d and 2d, train/eval, fused ReLU,
 * running statistics with the unbiased variance, per-channel sums in double divided by the
 * global element count) on device pointers. `stats` is a device buffer of 2c doubles that
 * holds the (reduced) sums afterwards, as on the CPU; the optional device reducer makes it
 * synchronised BatchNorm. Partial sums use ctx->scratch; the reduction order is fixed, so
 * results are the same on every run. */
#ifndef DDAD_CUDA_BATCHNORM_GPU_H
#define DDAD_CUDA_BATCHNORM_GPU_H

#include "cuda/gpu_ctx.h"
#include "cuda/reducer_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "nn/batchnorm.h"

void ddad_bn_forward_train_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *gamma,
                               const float *beta, int relu, float *y, float *running_mean, float *running_var,
                               float *save_mean, float *save_invstd, double *stats, double global_count,
                               const ddad_gpu_reducer *red);

void ddad_bn_forward_eval_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *gamma,
                              const float *beta, int relu, const float *running_mean, const float *running_var,
                              float *y);

/* Eval mode in two parts, for frozen networks: the per-channel affine map (scale, shift:
 * device [c] each) computed once from the parameters and running statistics, then applied
 * by every forward. Same result as ddad_bn_forward_eval_gpu. */
void ddad_bn_eval_affine_gpu(ddad_gpu_ctx *ctx, int c, const float *gamma, const float *beta,
                             const float *running_mean, const float *running_var, float *scale, float *shift);
void ddad_bn_apply_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *scale,
                       const float *shift, int relu, float *y);

/* y: the forward output when ReLU was fused (its sign masks dy), else NULL. dx may alias dy.
 * dgamma / dbeta get this rank's part. */
void ddad_bn_backward_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *y,
                          const float *dy, const float *gamma, const float *save_mean, const float *save_invstd,
                          float *dx, float *dgamma, float *dbeta, double *stats, double global_count,
                          const ddad_gpu_reducer *red);

/* Tests only: 1 makes every BatchNorm kernel use its 64-bit index arithmetic, which real
 * shapes use only past 2^31 elements (2^32 per channel for the sums), so that a test can
 * compare it with the 32-bit arithmetic bit for bit; 0 restores the choice by size. */
void ddad_bn_gpu_force_wide_index(int on);

#ifdef __cplusplus
}
#endif

#endif

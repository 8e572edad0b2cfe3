/* Linear with bias on the GPU (cuBLAS): nn/linear.h's semantics on device pointers,
 * row-major y [n][out] = x [n][in] W^T + b with W [out][in]. */
#ifndef DDAD_CUDA_LINEAR_GPU_H
#define DDAD_CUDA_LINEAR_GPU_H

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

void ddad_linear_forward_gpu(ddad_gpu_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                             const float *b, float *y);
/* Overwrites dw, db, and dx when non-NULL. */
void ddad_linear_backward_gpu(ddad_gpu_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db);

#ifdef __cplusplus
}
#endif

#endif

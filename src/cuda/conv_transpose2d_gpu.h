/* ConvTranspose2d on the GPU (cuDNN): nn/conv_transpose2d.h's shapes and semantics (the
 * shape is that of the Conv2d it is the adjoint of), on device pointers. */
#ifndef DDAD_CUDA_CONV_TRANSPOSE2D_GPU_H
#define DDAD_CUDA_CONV_TRANSPOSE2D_GPU_H

#include "cuda/gpu_ctx.h"
#ifdef __cplusplus
extern "C" {
#endif

#include "nn/im2col.h"

/* x [n][cin][hin][win] -> y [n][cout][hout][wout]. */
void ddad_convt_forward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x, const float *w,
                            float *y);
/* Overwrites dw, and dx when non-NULL. */
void ddad_convt_backward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x, const float *w,
                             const float *dy, float *dx, float *dw);

#ifdef __cplusplus
}
#endif

#endif

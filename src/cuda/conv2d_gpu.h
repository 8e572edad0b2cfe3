/* Conv2d on the GPU (cuDNN): the same shapes and semantics as nn/conv2d.h, on device
 * pointers, enqueued on ctx->stream. No workspace argument: the context owns it. */
#ifndef DDAD_CUDA_CONV2D_GPU_H
#define DDAD_CUDA_CONV2D_GPU_H

#include "cuda/gpu_ctx.h"
#ifdef __cplusplus
extern "C" {
#endif

#include "nn/im2col.h"

/* x [n][c][h][w] -> y [n][k][oh][ow]; b may be NULL. */
void ddad_conv2d_forward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x, const float *w,
                             const float *b, float *y);
/* Overwrites dw (and db when non-NULL) with the gradients, and dx when non-NULL. */
void ddad_conv2d_backward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db);

/* The cuDNN algorithm names chosen for this shape: "fwd/bwd_data/bwd_filter". */
void ddad_conv_gpu_algorithms(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, char *buf, int len);

#ifdef __cplusplus
}
#endif

#endif

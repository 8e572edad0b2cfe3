/* ReLU and channel softmax on the GPU: nn/relu.h and nn/softmax.h on device pointers. */
#ifndef DDAD_CUDA_ACTIVATION_GPU_H
#define DDAD_CUDA_ACTIVATION_GPU_H

#include <stddef.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

void ddad_relu_forward_gpu(ddad_gpu_ctx *ctx, size_t count, const float *x, float *y);
/* dx = dy where y > 0, else 0. dx may alias dy. */
void ddad_relu_backward_gpu(ddad_gpu_ctx *ctx, size_t count, const float *y, const float *dy, float *dx);

void ddad_softmax_channels_forward_gpu(ddad_gpu_ctx *ctx, int n, int c, int hw, const float *x, float *y);
/* dx = y * (dy - sum_c y_c dy_c). dx may alias dy. */
void ddad_softmax_channels_backward_gpu(ddad_gpu_ctx *ctx, int n, int c, int hw, const float *y, const float *dy,
                                        float *dx);

#ifdef __cplusplus
}
#endif

#endif

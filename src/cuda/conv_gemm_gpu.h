/* Convolutions as GEMMs, the second engine of the convolution plans (conv_plan.h): each
 * sample's patches unrolled into columns (im2col) and one strided-batched GEMM over the
 * batch, in NCHW throughout (no layout transposes). For the AE's small 4x4 stride-2 layers
 * cuDNN's timed choice was a legacy non-tensor-core kernel, wrapped in NCHW<->NHWC
 * transposes (docs/GPU.md); the plan times this engine against cuDNN's pick and keeps the
 * faster. Same operations and beta semantics as the plan's (beta == 0: output not read):
 *   forward          y  = conv(x, w) + beta * y
 *   backward data    dx = conv^T(dy, w) + beta * dx      (GEMM, then a gather col2im)
 *   backward filter  dw = sum_n corr(x_n, dy_n) + beta * dw   (per-sample GEMMs, then an
 *                    in-order sum over the batch, so the result does not depend on timing)
 * `ws` is device workspace of ddad_conv_gemm_workspace_bytes(g, op) bytes. */
#ifndef DDAD_CUDA_CONV_GEMM_GPU_H
#define DDAD_CUDA_CONV_GEMM_GPU_H

#include <stddef.h>

#include "cuda/conv_plan.h"
#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t ddad_conv_gemm_workspace_bytes(const ddad_conv_geom *g, int op);
void ddad_conv_gemm_forward(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *x, const float *w, float *y,
                            float beta, void *ws);
void ddad_conv_gemm_backward_data(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *dy, const float *w,
                                  float *dx, float beta, void *ws);
void ddad_conv_gemm_backward_filter(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *x, const float *dy,
                                    float *dw, float beta, void *ws);

#ifdef __cplusplus
}
#endif

#endif

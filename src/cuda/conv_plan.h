/* cuDNN convolution plans: descriptors for one geometry (batch included) and the algorithm
 * chosen once for each of the three operations (forward, backward data, backward filter).
 * A ConvTranspose2d uses the plan of the Conv2d it is the adjoint of. Internal to src/cuda. */
#ifndef DDAD_CUDA_CONV_PLAN_H
#define DDAD_CUDA_CONV_PLAN_H

#include <stdio.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n, c, h, w, k, kh, kw, stride, pad, oh, ow;
} ddad_conv_geom;

enum { DDAD_CONV_FWD = 0, DDAD_CONV_BWD_DATA = 1, DDAD_CONV_BWD_FILTER = 2 };

/* The plan for this geometry, created (descriptors only) on first use. */
ddad_conv_plan *ddad_conv_plan_get(ddad_gpu_ctx *ctx, const ddad_conv_geom *g);
void ddad_conv_plan_free(ddad_conv_plan *p);
void ddad_conv_plan_forget_algorithms(ddad_conv_plan *p);

/* Conv2d ops on the plan's geometry (x [n][c][h][w], w [k][c][kh][kw], y [n][k][oh][ow]):
 *   y  = alpha * conv(x, w) + beta * y
 *   dx = alpha * conv^T(dy, w) + beta * dx
 *   dw = alpha * sum_n corr(x, dy) + beta * dw */
void ddad_conv_plan_forward(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *w, float *y,
                            float beta);
void ddad_conv_plan_backward_data(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *dy, const float *w, float *dx,
                                  float beta);
void ddad_conv_plan_backward_filter(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *dy, float *dw,
                                    float beta);

/* Name of the algorithm chosen for an op ("" before it is chosen), for logs and benches. */
const char *ddad_conv_plan_algo_name(const ddad_conv_plan *p, int op);

/* One line per plan of the context: geometry, then the forward / backward-data /
 * backward-filter choices ("im2col_gemm" for the GEMM engine), for benches and logs. */
void ddad_conv_plans_print(const ddad_gpu_ctx *ctx, FILE *f);

#ifdef __cplusplus
}
#endif

#endif

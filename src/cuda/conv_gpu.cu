// Conv2d and ConvTranspose2d on cuDNN plans, with the bias add and bias gradient as small
// deterministic kernels.
#include <stdio.h>

#include "cuda/c_api.h"
#include "cuda/conv2d_gpu.h"
#include "cuda/conv_plan.h"
#include "cuda/conv_transpose2d_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"

static ddad_conv_plan *plan_for(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n)
{
    if (n < 1) ddad_fatal(DDAD_EXIT_RUNTIME, "convolution on a batch of %d", n);
    ddad_conv_geom g = {n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride, s->pad, s->oh, s->ow};
    return ddad_conv_plan_get(ctx, &g);
}

// y[n][k][p] += b[k]
__global__ void k_bias_add(size_t total, int k, int hw, const float *__restrict__ b, float *__restrict__ y)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
        y[i] += b[(i / hw) % k];
}

// db[c] = sum over n and pixels of dy[n][c][p]; one block per channel, double accumulation.
__global__ void k_bias_grad(int n, int k, int hw, const float *__restrict__ dy, float *__restrict__ db)
{
    const int c = blockIdx.x;
    double acc = 0.0;
    const size_t per = (size_t)n * hw;
    for (size_t j = threadIdx.x; j < per; j += blockDim.x) {
        size_t s = j / hw, p = j % hw;
        acc += dy[(s * k + c) * hw + p];
    }
    acc = ddad_block_sum(acc);
    if (threadIdx.x == 0) db[c] = (float)acc;
}

extern "C" void ddad_conv2d_forward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x,
                                        const float *w, const float *b, float *y)
{
    ddad_conv_plan *p = plan_for(ctx, s, n);
    ddad_conv_plan_forward(ctx, p, x, w, y, 0.0f);
    if (b) {
        size_t total = (size_t)n * s->k * s->oh * s->ow;
        DDAD_LAUNCH(k_bias_add, ddad_blocks(total), DDAD_THREADS, ctx->stream, total, s->k, s->oh * s->ow, b, y);
        DDAD_CHECK_LAUNCH("bias add");
    }
}

extern "C" void ddad_conv2d_backward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x,
                                         const float *w, const float *dy, float *dx, float *dw, float *db)
{
    ddad_conv_plan *p = plan_for(ctx, s, n);
    ddad_conv_plan_backward_filter(ctx, p, x, dy, dw, 0.0f);
    if (db) {
        DDAD_LAUNCH(k_bias_grad, s->k, DDAD_THREADS, ctx->stream, n, s->k, s->oh * s->ow, dy, db);
        DDAD_CHECK_LAUNCH("bias gradient");
    }
    if (dx) ddad_conv_plan_backward_data(ctx, p, dy, w, dx, 0.0f);
}

extern "C" void ddad_convt_forward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x,
                                       const float *w, float *y)
{
    // The transposed convolution is the data gradient of its Conv2d.
    ddad_conv_plan_backward_data(ctx, plan_for(ctx, s, n), x, w, y, 0.0f);
}

extern "C" void ddad_convt_backward_gpu(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, const float *x,
                                        const float *w, const float *dy, float *dx, float *dw)
{
    ddad_conv_plan *p = plan_for(ctx, s, n);
    // dw: the Conv2d's filter gradient with the roles of input (dy here) and output (x) swapped.
    ddad_conv_plan_backward_filter(ctx, p, dy, x, dw, 0.0f);
    if (dx) ddad_conv_plan_forward(ctx, p, dy, w, dx, 0.0f);
}

extern "C" void ddad_conv_gpu_algorithms(ddad_gpu_ctx *ctx, const ddad_conv_shape *s, int n, char *buf, int len)
{
    ddad_conv_plan *p = plan_for(ctx, s, n);
    snprintf(buf, (size_t)len, "%s/%s/%s", ddad_conv_plan_algo_name(p, DDAD_CONV_FWD),
             ddad_conv_plan_algo_name(p, DDAD_CONV_BWD_DATA), ddad_conv_plan_algo_name(p, DDAD_CONV_BWD_FILTER));
}

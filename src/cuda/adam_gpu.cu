// Fused Adam: the per-step scalars (bias corrections, clipping factor) are computed on the
// device from the device step counter, then one pass updates p, m, v (and g when clipped).
#include "cuda/adam_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"

#define NORM_BLOCKS 512

struct adam_coef {
    float step_size, bc2_sqrt, gscale, pad;
};

__global__ void k_sumsq(size_t n, const float *__restrict__ g, double *__restrict__ part)
{
    double acc = 0.0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        acc += (double)g[i] * g[i];
    acc = ddad_block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

__global__ void k_adam_coef(int nb, const double *__restrict__ part, float clip, float lr, float beta1, float beta2,
                            int64_t *step, adam_coef *coef)
{
    double v = 0.0;
    for (int b = threadIdx.x; b < nb; b += blockDim.x) v += part[b];
    double total = ddad_block_sum(v);
    if (threadIdx.x != 0) return;
    float gscale = 1.0f;
    if (clip > 0.0f) {
        double norm = sqrt(total);
        float c = (float)((double)clip / (norm + 1e-6));
        if (c < 1.0f) gscale = c;
    }
    int64_t s = *step + 1;
    *step = s;
    double bc1 = 1.0 - pow((double)beta1, (double)s);
    double bc2 = 1.0 - pow((double)beta2, (double)s);
    coef->step_size = (float)((double)lr / bc1);
    coef->bc2_sqrt = (float)sqrt(bc2);
    coef->gscale = gscale;
}

__global__ void k_adam(size_t n, float *__restrict__ p, float *__restrict__ g, float *__restrict__ m,
                       float *__restrict__ v, const adam_coef *__restrict__ coef, float b1, float b2, float omb1,
                       float omb2, float wd, float eps)
{
    const float step_size = coef->step_size, bc2_sqrt = coef->bc2_sqrt, gscale = coef->gscale;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        float gi = g[i];
        if (gscale != 1.0f) {
            gi *= gscale;
            g[i] = gi;
        }
        if (wd != 0.0f) gi += wd * p[i];
        float mi = m[i] * b1 + omb1 * gi;
        float vi = v[i] * b2 + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        p[i] -= step_size * (mi / denom);
    }
}

extern "C" void ddad_adam_step_gpu(ddad_gpu_ctx *ctx, size_t n, float *params, float *grads, float *m, float *v,
                                   int64_t *d_step, const ddad_adam_cfg *cfg)
{
    double *part = ctx->scratch;
    adam_coef *coef = (adam_coef *)(ctx->scratch + NORM_BLOCKS);
    unsigned nb = 0;
    if (cfg->grad_clip > 0.0f) {
        nb = ddad_blocks(n);
        if (nb > NORM_BLOCKS) nb = NORM_BLOCKS;
        DDAD_LAUNCH(k_sumsq, nb, DDAD_THREADS, ctx->stream, n, grads, part);
        DDAD_CHECK_LAUNCH("gradient norm");
    }
    DDAD_LAUNCH(k_adam_coef, 1, DDAD_THREADS, ctx->stream, (int)nb, part, cfg->grad_clip, cfg->lr, cfg->beta1,
                cfg->beta2, d_step, coef);
    DDAD_CHECK_LAUNCH("Adam coefficients");
    const float omb1 = (float)(1.0 - (double)cfg->beta1), omb2 = (float)(1.0 - (double)cfg->beta2);
    DDAD_LAUNCH(k_adam, ddad_blocks(n), DDAD_THREADS, ctx->stream, n, params, grads, m, v, coef, cfg->beta1,
                cfg->beta2, omb1, omb2, cfg->weight_decay, cfg->eps);
    DDAD_CHECK_LAUNCH("Adam");
}

// BatchNorm kernels. Per-channel sums: each block adds a fixed slice of one channel in
// double, a second pass adds the slices in order, so the sums do not depend on scheduling.
// The elementwise passes use the CPU reference's expressions (train-mode normalisation in
// double, as nn/batchnorm.c).
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"

// Slices per channel for the partial sums, bounded by the scratch buffer.
static int bn_slices(const ddad_bn_shape *s)
{
    if (s->hw == 1) return 1;
    size_t per = (size_t)s->n * s->hw;
    size_t p = per / 4096;
    if (p < 1) p = 1;
    if (p > 256) p = 256;
    // after the partials: the train-mode normalisation's mean and scale, C doubles each
    size_t cap = (DDAD_GPU_SCRATCH - 2 * (size_t)s->c) / (2 * (size_t)s->c);
    if (p > cap) p = cap;
    if (p < 1) ddad_fatal(DDAD_EXIT_RUNTIME, "BatchNorm with %d channels exceeds the GPU scratch buffer", s->c);
    return (int)p;
}

// Tests only (ddad_bn_gpu_force_wide_index): the size_t index arithmetic for every shape.
static int g_force_wide;

extern "C" void ddad_bn_gpu_force_wide_index(int on) { g_force_wide = on; }

// 32-bit index arithmetic where a channel's N x HW values (partial sums) or the whole tensor
// (elementwise kernels) allow it: the GPU divides 32-bit integers in a few instructions,
// 64-bit ones in a software routine. Both instantiations compute the same bits.
static int narrow_walk(const ddad_bn_shape *s) { return !g_force_wide && ddad_bn_narrow_walk(s->n, s->hw); }
static int narrow_total(size_t total) { return !g_force_wide && ddad_narrow_index(total); }

// ---- per-channel sums ----

// Backward sums of d and d * xhat over slice p of channel c, d = dy masked by y > 0 when
// ReLU was fused; valid in thread 0 (as ddad_bn_slice_sums for the forward).
template <typename Index>
__device__ inline void bn_bwd_slice_sums(int N, int C, int HW, int P, int p, int c, const float *__restrict__ x,
                                         const float *__restrict__ y, const float *__restrict__ dy, double mean,
                                         double invstd, double *s1_out, double *s2_out)
{
    double s1 = 0.0, s2 = 0.0;
    for (ddad_bn_walk<Index> w(N, HW, P, p); w.more(); w.next()) {
        const size_t i = w.at(C, c);
        double d = (y && !(y[i] > 0.0f)) ? 0.0 : (double)dy[i];
        s1 += d;
        s2 += d * ((x[i] - mean) * invstd);
    }
    *s1_out = ddad_block_sum(s1);
    *s2_out = ddad_block_sum(s2);
}

// hw == 1 (BatchNorm1d): one thread per channel, coalesced across channels. (The AE's
// 2,048 features make only 8 blocks; the loops are unrolled so that each thread has several
// loads in flight: the same additions in the same order.) dy == NULL: the forward sums.
__device__ inline void bn_col_sums(int N, int C, int c, const float *__restrict__ x, const float *__restrict__ y,
                                   const float *__restrict__ dy, double mean, double invstd, double *s1_out,
                                   double *s2_out)
{
    double s1 = 0.0, s2 = 0.0;
    if (!dy) {
#pragma unroll 8
        for (int n = 0; n < N; n++) {
            double v = x[(size_t)n * C + c];
            s1 += v;
            s2 += v * v;
        }
    } else {
#pragma unroll 8
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)n * C + c;
            double d = (y && !(y[i] > 0.0f)) ? 0.0 : (double)dy[i];
            s1 += d;
            s2 += d * ((x[i] - mean) * invstd);
        }
    }
    *s1_out = s1;
    *s2_out = s2;
}

// Partial sums per (channel, slice): part[c][p], part[C + c][p]. Forward: x and x^2.
template <typename Index>
__global__ void k_bn_part_fwd(int N, int C, int HW, int P, const float *__restrict__ x, double *__restrict__ part)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    ddad_bn_slice_sums<Index>(N, C, HW, P, p, c, x, &s1, &s2);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
    }
}

// Backward: d and d * xhat.
template <typename Index>
__global__ void k_bn_part_bwd(int N, int C, int HW, int P, const float *__restrict__ x, const float *__restrict__ y,
                              const float *__restrict__ dy, const float *__restrict__ save_mean,
                              const float *__restrict__ save_invstd, double *__restrict__ part)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    bn_bwd_slice_sums<Index>(N, C, HW, P, p, c, x, y, dy, save_mean[c], save_invstd[c], &s1, &s2);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
    }
}

// BatchNorm1d, forward (dy == NULL) or backward: part[c], part[C + c] (one slice).
__global__ void k_bn_cols(int N, int C, const float *__restrict__ x, const float *__restrict__ y,
                          const float *__restrict__ dy, const float *__restrict__ save_mean,
                          const float *__restrict__ save_invstd, double *__restrict__ part)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    bn_col_sums(N, C, c, x, y, dy, dy ? save_mean[c] : 0.0, dy ? save_invstd[c] : 0.0, &part[c], &part[C + c]);
}

// stats[i] = sum over slices, in slice order; optionally the local parameter gradients.
__global__ void k_bn_sum(int C, int P, const double *__restrict__ part, double *__restrict__ stats,
                         float *__restrict__ dbeta, float *__restrict__ dgamma)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= 2 * C) return;
    double acc = 0.0;
    for (int p = 0; p < P; p++) acc += part[(size_t)i * P + p];
    stats[i] = acc;
    if (dbeta) {
        if (i < C)
            dbeta[i] = (float)acc;
        else
            dgamma[i - C] = (float)acc;
    }
}

// ---- parameters from the sums ----

// Channel c's batch statistics -> saved mean / invstd, running statistics, and the
// normalisation's mean and scale in double (k_bn_apply_train).
__device__ inline void bn_channel_params(int C, int c, const double *stats, double count, const float *gamma,
                                         float *rmean, float *rvar, float *save_mean, float *save_invstd,
                                         double *mean_d, double *scale_d)
{
    double mean = stats[c] / count;
    double var = stats[C + c] / count - mean * mean;
    if (var < 0.0) var = 0.0;
    double invstd = 1.0 / sqrt(var + DDAD_BN_EPS);
    save_mean[c] = (float)mean;
    save_invstd[c] = (float)invstd;
    double unbiased = count > 1.0 ? var * count / (count - 1.0) : var;
    rmean[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * rmean[c] + DDAD_BN_MOMENTUM * mean);
    rvar[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * rvar[c] + DDAD_BN_MOMENTUM * unbiased);
    mean_d[c] = mean;
    scale_d[c] = gamma[c] * invstd;
}

__global__ void k_bn_params(int C, const double *__restrict__ stats, double count, const float *__restrict__ gamma,
                            float *__restrict__ rmean, float *__restrict__ rvar, float *__restrict__ save_mean,
                            float *__restrict__ save_invstd, double *__restrict__ mean_d, double *__restrict__ scale_d)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    bn_channel_params(C, c, stats, count, gamma, rmean, rvar, save_mean, save_invstd, mean_d, scale_d);
}

// ---- the same in one launch, where no reducer sits between the sums and what follows ----
// Each block writes its slice's partials as k_bn_part_* do; the channel's last block to
// finish (a ticket taken after a memory fence) adds them in slice order as k_bn_sum does and
// finishes the channel: the same arithmetic in the same order, so the same bits, in one
// launch instead of three (forward) or two (backward). The lab's bench_bn_stats measured
// this on an H200. Returns 1 in thread 0 of the last block, with stats[c], stats[C + c] set.
__device__ inline int bn_finish_channel(int C, int P, int p, int c, double s1, double s2, double *part,
                                        unsigned *tickets, double *stats)
{
    DDAD_SHARED(int, last);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
        __threadfence();
        last = atomicAdd(&tickets[c], 1u) == (unsigned)(P - 1);
    }
    __syncthreads();
    if (threadIdx.x != 0 || !last) return 0;
    __threadfence();
    tickets[c] = 0;   // zero again for the next launch
    const volatile double *vp = part;   // other blocks' writes: not from a cache
    double a = 0.0, b = 0.0;
    for (int q = 0; q < P; q++) a += vp[(size_t)c * P + q];
    for (int q = 0; q < P; q++) b += vp[(size_t)(C + c) * P + q];
    stats[c] = a;
    stats[C + c] = b;
    return 1;
}

template <typename Index>
__global__ void k_bn_fwd_fused(int N, int C, int HW, int P, const float *__restrict__ x, double *part,
                               unsigned *tickets, double *stats, double count, const float *__restrict__ gamma,
                               float *rmean, float *rvar, float *save_mean, float *save_invstd, double *mean_d,
                               double *scale_d)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    ddad_bn_slice_sums<Index>(N, C, HW, P, p, c, x, &s1, &s2);
    if (bn_finish_channel(C, P, p, c, s1, s2, part, tickets, stats))
        bn_channel_params(C, c, stats, count, gamma, rmean, rvar, save_mean, save_invstd, mean_d, scale_d);
}

template <typename Index>
__global__ void k_bn_bwd_fused(int N, int C, int HW, int P, const float *__restrict__ x, const float *__restrict__ y,
                               const float *__restrict__ dy, const float *__restrict__ save_mean,
                               const float *__restrict__ save_invstd, double *part, unsigned *tickets, double *stats,
                               float *dbeta, float *dgamma)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    bn_bwd_slice_sums<Index>(N, C, HW, P, p, c, x, y, dy, save_mean[c], save_invstd[c], &s1, &s2);
    if (bn_finish_channel(C, P, p, c, s1, s2, part, tickets, stats)) {
        dbeta[c] = (float)stats[c];
        dgamma[c] = (float)stats[C + c];
    }
}

// BatchNorm1d: each thread has its channel's sums, so no tickets (0.0 + s: k_bn_sum's sum of
// one slice, to the bit).
__global__ void k_bn_cols_fwd_fused(int N, int C, const float *__restrict__ x, double *stats, double count,
                                    const float *__restrict__ gamma, float *rmean, float *rvar, float *save_mean,
                                    float *save_invstd, double *mean_d, double *scale_d)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double s1, s2;
    bn_col_sums(N, C, c, x, NULL, NULL, 0.0, 0.0, &s1, &s2);
    stats[c] = 0.0 + s1;
    stats[C + c] = 0.0 + s2;
    bn_channel_params(C, c, stats, count, gamma, rmean, rvar, save_mean, save_invstd, mean_d, scale_d);
}

__global__ void k_bn_cols_bwd_fused(int N, int C, const float *__restrict__ x, const float *__restrict__ y,
                                    const float *__restrict__ dy, const float *__restrict__ save_mean,
                                    const float *__restrict__ save_invstd, double *stats, float *dbeta, float *dgamma)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double s1, s2;
    bn_col_sums(N, C, c, x, y, dy, save_mean[c], save_invstd[c], &s1, &s2);
    stats[c] = 0.0 + s1;
    stats[C + c] = 0.0 + s2;
    dbeta[c] = (float)stats[c];
    dgamma[c] = (float)stats[C + c];
}

__global__ void k_bn_eval_params(int C, const float *__restrict__ gamma, const float *__restrict__ beta,
                                 const float *__restrict__ rmean, const float *__restrict__ rvar,
                                 float *__restrict__ scale, float *__restrict__ shift)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double invstd = 1.0 / sqrt((double)rvar[c] + DDAD_BN_EPS);
    scale[c] = (float)(gamma[c] * invstd);
    shift[c] = (float)(beta[c] - rmean[c] * gamma[c] * invstd);
}

// The elementwise kernels: element i of an [N][C][HW] tensor is in channel i / HW % C.
template <typename Index>
__global__ void k_bn_apply(Index total, Index C, Index HW, int relu, const float *__restrict__ x,
                           const float *__restrict__ scale, const float *__restrict__ shift, float *__restrict__ y)
{
    for (Index i = blockIdx.x * (Index)blockDim.x + threadIdx.x; i < total; i += (Index)gridDim.x * blockDim.x) {
        const Index c = i / HW % C;
        float v = x[i] * scale[c] + shift[c];
        y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

// Train mode, the CPU reference's expression (nn/batchnorm.c): (x - mean) in double, since
// a channel's mean can be far larger than its spread (BatchNorm1d after a linear layer),
// where x * scale + shift in float would lose |mean| / std x 6e-8.
template <typename Index>
__global__ void k_bn_apply_train(Index total, Index C, Index HW, int relu, const float *__restrict__ x,
                                 const double *__restrict__ mean_d, const double *__restrict__ scale_d,
                                 const float *__restrict__ beta, float *__restrict__ y)
{
    for (Index i = blockIdx.x * (Index)blockDim.x + threadIdx.x; i < total; i += (Index)gridDim.x * blockDim.x) {
        const Index c = i / HW % C;
        float v = (float)(((double)x[i] - mean_d[c]) * scale_d[c] + (double)beta[c]);
        y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

// dx may alias dy: each element is read before it is written by the same thread.
template <typename Index>
__global__ void k_bn_bwd_apply(Index total, Index C, Index HW, const float *__restrict__ x, const float *__restrict__ y,
                               const float *dy, const float *__restrict__ gamma, const float *__restrict__ save_mean,
                               const float *__restrict__ save_invstd, const double *__restrict__ stats, double count,
                               float *dx)
{
    for (Index i = blockIdx.x * (Index)blockDim.x + threadIdx.x; i < total; i += (Index)gridDim.x * blockDim.x) {
        const Index c = i / HW % C;
        float invstd = save_invstd[c], mean = save_mean[c];
        float k = gamma[c] * invstd;
        float mdy = (float)(stats[c] / count), mdyx = (float)(stats[C + c] / count);
        float d = (y && !(y[i] > 0.0f)) ? 0.0f : dy[i];
        float xhat = (x[i] - mean) * invstd;
        dx[i] = k * (d - mdy - xhat * mdyx);
    }
}

static void reduce(ddad_gpu_ctx *ctx, const ddad_gpu_reducer *red, double *stats, int n)
{
    if (red && red->allreduce_sum) red->allreduce_sum(stats, n, ctx->stream, red->ctx);
}

static unsigned per_channel_blocks(int c) { return (unsigned)((c + DDAD_THREADS - 1) / DDAD_THREADS); }

// The one-launch statistics where nothing must run between the sums and their use: no
// reducer (one rank), and a ticket per channel for the 2D kernels.
static int fuse_stats(const ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const ddad_gpu_reducer *red)
{
    if (red && red->allreduce_sum) return 0;
    return s->hw == 1 || (ctx->bn_tickets && s->c <= DDAD_GPU_BN_TICKETS);
}

extern "C" void ddad_bn_forward_train_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x,
                                          const float *gamma, const float *beta, int relu, float *y,
                                          float *running_mean, float *running_var, float *save_mean,
                                          float *save_invstd, double *stats, double global_count,
                                          const ddad_gpu_reducer *red)
{
    const int C = s->c, P = bn_slices(s);
    double *part = ctx->scratch;
    double *mean_d = ctx->scratch + (size_t)2 * C * P, *scale_d = mean_d + C;
    if (fuse_stats(ctx, s, red)) {
        if (s->hw == 1)
            DDAD_LAUNCH(k_bn_cols_fwd_fused, per_channel_blocks(C), DDAD_THREADS, ctx->stream, s->n, C, x, stats,
                        global_count, gamma, running_mean, running_var, save_mean, save_invstd, mean_d, scale_d);
        else
            LAUNCH_BY_INDEX(narrow_walk(s), k_bn_fwd_fused, dim3(P, C), ctx->stream, s->n, C, s->hw, P, x, part,
                            ctx->bn_tickets, stats, global_count, gamma, running_mean, running_var, save_mean,
                            save_invstd, mean_d, scale_d);
        DDAD_CHECK_LAUNCH("BatchNorm statistics and parameters");
    } else {
        if (s->hw == 1)
            DDAD_LAUNCH(k_bn_cols, per_channel_blocks(C), DDAD_THREADS, ctx->stream, s->n, C, x, NULL, NULL, NULL,
                        NULL, part);
        else
            LAUNCH_BY_INDEX(narrow_walk(s), k_bn_part_fwd, dim3(P, C), ctx->stream, s->n, C, s->hw, P, x, part);
        DDAD_CHECK_LAUNCH("BatchNorm statistics");
        DDAD_LAUNCH(k_bn_sum, per_channel_blocks(2 * C), DDAD_THREADS, ctx->stream, C, P, part, stats, NULL, NULL);
        DDAD_CHECK_LAUNCH("BatchNorm statistics");
        reduce(ctx, red, stats, 2 * C);
        DDAD_LAUNCH(k_bn_params, per_channel_blocks(C), DDAD_THREADS, ctx->stream, C, stats, global_count, gamma,
                    running_mean, running_var, save_mean, save_invstd, mean_d, scale_d);
        DDAD_CHECK_LAUNCH("BatchNorm parameters");
    }
    size_t total = (size_t)s->n * C * s->hw;
    LAUNCH_BY_INDEX(narrow_total(total), k_bn_apply_train, ddad_blocks(total), ctx->stream, total, C, s->hw, relu, x,
                    mean_d, scale_d, beta, y);
    DDAD_CHECK_LAUNCH("BatchNorm apply");
}

extern "C" void ddad_bn_forward_eval_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x,
                                         const float *gamma, const float *beta, int relu, const float *running_mean,
                                         const float *running_var, float *y)
{
    const int C = s->c;
    float *scale = (float *)ctx->scratch, *shift = scale + C;
    DDAD_LAUNCH(k_bn_eval_params, per_channel_blocks(C), DDAD_THREADS, ctx->stream, C, gamma, beta, running_mean,
                running_var, scale, shift);
    DDAD_CHECK_LAUNCH("BatchNorm eval parameters");
    size_t total = (size_t)s->n * C * s->hw;
    LAUNCH_BY_INDEX(narrow_total(total), k_bn_apply, ddad_blocks(total), ctx->stream, total, C, s->hw, relu, x, scale,
                    shift, y);
    DDAD_CHECK_LAUNCH("BatchNorm apply");
}

extern "C" void ddad_bn_eval_affine_gpu(ddad_gpu_ctx *ctx, int c, const float *gamma, const float *beta,
                                        const float *running_mean, const float *running_var, float *scale,
                                        float *shift)
{
    DDAD_LAUNCH(k_bn_eval_params, per_channel_blocks(c), DDAD_THREADS, ctx->stream, c, gamma, beta, running_mean,
                running_var, scale, shift);
    DDAD_CHECK_LAUNCH("BatchNorm eval parameters");
}

extern "C" void ddad_bn_apply_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *scale,
                                  const float *shift, int relu, float *y)
{
    size_t total = (size_t)s->n * s->c * s->hw;
    LAUNCH_BY_INDEX(narrow_total(total), k_bn_apply, ddad_blocks(total), ctx->stream, total, s->c, s->hw, relu, x,
                    scale, shift, y);
    DDAD_CHECK_LAUNCH("BatchNorm apply");
}

extern "C" void ddad_bn_backward_gpu(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, const float *x, const float *y,
                                     const float *dy, const float *gamma, const float *save_mean,
                                     const float *save_invstd, float *dx, float *dgamma, float *dbeta, double *stats,
                                     double global_count, const ddad_gpu_reducer *red)
{
    const int C = s->c, P = bn_slices(s);
    double *part = ctx->scratch;
    if (fuse_stats(ctx, s, red)) {
        if (s->hw == 1)
            DDAD_LAUNCH(k_bn_cols_bwd_fused, per_channel_blocks(C), DDAD_THREADS, ctx->stream, s->n, C, x, y, dy,
                        save_mean, save_invstd, stats, dbeta, dgamma);
        else
            LAUNCH_BY_INDEX(narrow_walk(s), k_bn_bwd_fused, dim3(P, C), ctx->stream, s->n, C, s->hw, P, x, y, dy,
                            save_mean, save_invstd, part, ctx->bn_tickets, stats, dbeta, dgamma);
        DDAD_CHECK_LAUNCH("BatchNorm backward statistics");
    } else {
        if (s->hw == 1)
            DDAD_LAUNCH(k_bn_cols, per_channel_blocks(C), DDAD_THREADS, ctx->stream, s->n, C, x, y, dy, save_mean,
                        save_invstd, part);
        else
            LAUNCH_BY_INDEX(narrow_walk(s), k_bn_part_bwd, dim3(P, C), ctx->stream, s->n, C, s->hw, P, x, y, dy,
                            save_mean, save_invstd, part);
        DDAD_CHECK_LAUNCH("BatchNorm backward statistics");
        DDAD_LAUNCH(k_bn_sum, per_channel_blocks(2 * C), DDAD_THREADS, ctx->stream, C, P, part, stats, dbeta, dgamma);
        DDAD_CHECK_LAUNCH("BatchNorm backward statistics");
        reduce(ctx, red, stats, 2 * C);
    }
    size_t total = (size_t)s->n * C * s->hw;
    LAUNCH_BY_INDEX(narrow_total(total), k_bn_bwd_apply, ddad_blocks(total), ctx->stream, total, C, s->hw, x, y, dy,
                    gamma, save_mean, save_invstd, stats, global_count, dx);
    DDAD_CHECK_LAUNCH("BatchNorm backward");
}

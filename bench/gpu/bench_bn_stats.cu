// Kernel lab: BatchNorm (train) statistics in one launch instead of three. Production
// (batchnorm_gpu.cu) runs partial sums, an in-order sum of the partials, and a per-channel
// parameter kernel (room for the sync-BN reducer between the last two). The variant here
// lets the last block of each channel (an atomic ticket after a memory fence) add that
// channel's partials in slice order and finish the channel: the same arithmetic in the
// same order, so the same bits, with two fewer launches per BatchNorm (18 per AE step).
// Both are validated against the CPU reference and timed on the AE's shapes; the apply pass
// is shared. Prediction: a few microseconds per BatchNorm (launch gaps inside a graph).
#include <math.h>

#include "bench_common.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/gpu_ctx.h"
#include "cuda/kernels.cuh"

extern "C" {
#include "nn/batchnorm.h"
}

__global__ void k_stats_fused(int N, int C, int HW, int P, const float *__restrict__ x, double *part,
                              unsigned *tickets, const float *__restrict__ gamma, const float *__restrict__ beta,
                              float *rmean, float *rvar, float *save_mean, float *save_invstd, float *scale,
                              float *shift, double count)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    ddad_bn_slice_sums<unsigned>(N, C, HW, P, p, c, x, &s1, &s2);   // the lab's shapes: N x HW < 2^32
    __shared__ int last;
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
        __threadfence();
        last = atomicAdd(&tickets[c], 1u) == (unsigned)(P - 1);
    }
    __syncthreads();
    if (!last || threadIdx.x != 0) return;
    __threadfence();
    tickets[c] = 0;   // ready for the next launch
    double a = 0.0, b = 0.0;
    for (int q = 0; q < P; q++) {
        a += ((volatile double *)part)[(size_t)c * P + q];
        b += ((volatile double *)part)[(size_t)(C + c) * P + q];
    }
    double mean = a / count, var = b / count - mean * mean;
    if (var < 0.0) var = 0.0;
    double invstd = 1.0 / sqrt(var + DDAD_BN_EPS);
    save_mean[c] = (float)mean;
    save_invstd[c] = (float)invstd;
    double unbiased = count > 1.0 ? var * count / (count - 1.0) : var;
    rmean[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * rmean[c] + DDAD_BN_MOMENTUM * mean);
    rvar[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * rvar[c] + DDAD_BN_MOMENTUM * unbiased);
    scale[c] = (float)(gamma[c] * invstd);
    shift[c] = (float)(beta[c] - mean * gamma[c] * invstd);
}

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_bn_shape s;
    int P, fused;
    float *x, *g, *b, *rm, *rv, *sm, *si, *y, *scale, *shift;
    double *stats, *part;
    unsigned *tickets;
} arg_t;

static void run(void *q)
{
    arg_t *a = (arg_t *)q;
    if (!a->fused) {
        ddad_bn_forward_train_gpu(a->ctx, &a->s, a->x, a->g, a->b, 1, a->y, a->rm, a->rv, a->sm, a->si, a->stats,
                                  (double)a->s.n * a->s.hw, NULL);
        return;
    }
    k_stats_fused<<<dim3(a->P, a->s.c), DDAD_THREADS, 0, a->ctx->stream>>>(
        a->s.n, a->s.c, a->s.hw, a->P, a->x, a->part, a->tickets, a->g, a->b, a->rm, a->rv, a->sm, a->si, a->scale,
        a->shift, (double)a->s.n * a->s.hw);
    DDAD_CHECK_LAUNCH("fused statistics");
    ddad_bn_apply_gpu(a->ctx, &a->s, a->x, a->scale, a->shift, 1, a->y);
}

int main(void)
{
    if (bench_skip("bench_bn_stats")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 8, 0, 0, DDAD_RNG_TEST, 0);
    const ddad_bn_shape shapes[] = {{64, 16, 32 * 32}, {64, 64, 4 * 4}, {8, 128, 64 * 64}};
    const char *names[] = {"ae_enc0", "ae_enc3", "refiner"};
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        const ddad_bn_shape s = shapes[k];
        const size_t n = (size_t)s.n * s.c * s.hw;
        int P = (int)(n / s.c / 4096);
        if (P < 1) P = 1;
        if (P > 256) P = 256;
        float *hx = (float *)malloc(n * 4), *hy = (float *)malloc(n * 4);
        for (size_t i = 0; i < n; i++) hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 1.0f;
        float *hg = (float *)malloc(s.c * 4), *hb = (float *)malloc(s.c * 4), *hrm = (float *)calloc(s.c, 4),
              *hrv = (float *)malloc(s.c * 4), *hsm = (float *)malloc(s.c * 4), *hsi = (float *)malloc(s.c * 4);
        double *hst = (double *)malloc(2 * s.c * 8);
        for (int c = 0; c < s.c; c++) {
            hg[c] = 0.5f + ddad_rng_uniformf(&rng);
            hb[c] = ddad_rng_uniformf(&rng) - 0.5f;
            hrv[c] = 1.0f;
        }
        float *rv0 = (float *)malloc(s.c * 4);
        memcpy(rv0, hrv, s.c * 4);
        ddad_bn_forward_train(&s, hx, hg, hb, 1, hy, hrm, hrv, hsm, hsi, hst, (double)s.n * s.hw, NULL);
        for (int fused = 0; fused < 2; fused++) {
            arg_t a;
            memset(&a, 0, sizeof a);
            a.ctx = ctx;
            a.s = s;
            a.P = P;
            a.fused = fused;
            a.x = (float *)ddad_gpu_malloc(n * 4, "x");
            a.y = (float *)ddad_gpu_malloc(n * 4, "y");
            float *small[8];
            for (int i = 0; i < 8; i++) small[i] = (float *)ddad_gpu_malloc(s.c * 4, "per channel");
            a.g = small[0], a.b = small[1], a.rm = small[2], a.rv = small[3], a.sm = small[4], a.si = small[5];
            a.scale = small[6], a.shift = small[7];
            a.stats = (double *)ddad_gpu_malloc(2 * s.c * 8, "stats");
            a.part = (double *)ddad_gpu_malloc(2 * (size_t)s.c * P * 8, "partials");
            a.tickets = (unsigned *)ddad_gpu_malloc(s.c * 4, "tickets");
            DDAD_CHECK_CUDA(cudaMemset(a.tickets, 0, s.c * 4));
            DDAD_CHECK_CUDA(cudaMemcpy(a.x, hx, n * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemcpy(a.g, hg, s.c * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemcpy(a.b, hb, s.c * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemset(a.rm, 0, s.c * 4));
            DDAD_CHECK_CUDA(cudaMemcpy(a.rv, rv0, s.c * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemset(a.y, 0xFF, n * 4));
            run(&a);
            double e = bench_rel_err(a.y, hy, n), erv = bench_rel_err(a.rv, hrv, s.c),
                   esm = bench_rel_err(a.sm, hsm, s.c);
            float ms = bench_time(ctx->stream, 7, 50, run, &a);
            printf("%-8s n%d c%d hw%d %-12s y %.1e running_var %.1e save_mean %.1e  %.2f us\n", names[k], s.n, s.c,
                   s.hw, fused ? "one-launch" : "three-launch", e, erv, esm, ms * 1e3);
            if (!(e <= 1e-5 && erv <= 1e-5 && esm <= 1e-5)) bad = 1;
            char nm[96];
            snprintf(nm, sizeof nm, "bn_stats_%s_%s", fused ? "one_launch" : "three_launch", names[k]);
            bench_result(nm, ms * 1e3, "us");
            DDAD_CHECK_CUDA(cudaFree(a.x));
            DDAD_CHECK_CUDA(cudaFree(a.y));
            for (int i = 0; i < 8; i++) DDAD_CHECK_CUDA(cudaFree(small[i]));
            DDAD_CHECK_CUDA(cudaFree(a.stats));
            DDAD_CHECK_CUDA(cudaFree(a.part));
            DDAD_CHECK_CUDA(cudaFree(a.tickets));
        }
        free(hx), free(hy), free(hg), free(hb), free(hrm), free(hrv), free(hsm), free(hsi), free(hst), free(rv0);
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_stats: VALIDATION FAILED\n");
    return bad;
}

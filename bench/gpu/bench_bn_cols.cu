// Kernel lab: BatchNorm1d's statistics (hw == 1). batchnorm_gpu.cu gives each channel one
// thread that walks the N rows: for the AE's BatchNorm1d (64 rows, 2,048 features) that is
// 8 blocks on a GPU of 132 multiprocessors, and the H200 profile (docs/GPU.md) put the
// backward pass at 24 µs, the forward at 6 µs, with the loop as first written ("rolled").
// Two variants:
//   unroll: the same loop unrolled by 8, so up to 8 rows' loads are in flight per thread;
//     the same additions in the same order, so the same bits (production now unrolls);
//   slices: the rows split into 8 slices of blocks (a grid of 8 x 8 blocks), partials per
//     slice as the 2D kernels write them for the in-order slice sum; other bits, the same
//     sums to rounding.
// The forward (x, x²) and backward (d, d·xhat with the ReLU mask) sums of each are checked
// against the host's in double, the unrolled ones bit for bit against the rolled loop's, and
// timed as CUDA graph replays (as the pipeline runs them).
#include <math.h>

#include "bench_common.h"
#include "cuda/gpu_ctx.h"
#include "cuda/kernels.cuh"

#define SLICES 8

// one channel's sums over rows [n0, n1) (forward when dy == NULL) into a, b
#define COL_SUMS_BODY                                                   \
    {                                                                   \
        size_t i = (size_t)n * C + c;                                   \
        if (!dy) {                                                      \
            double v = x[i];                                            \
            a += v;                                                     \
            b += v * v;                                                 \
        } else {                                                        \
            double d = (y && !(y[i] > 0.0f)) ? 0.0 : (double)dy[i];     \
            a += d;                                                     \
            b += d * ((x[i] - mean) * invstd);                          \
        }                                                               \
    }

// UNROLL 0: the loop as first written (the compiler's own choice); 8: unrolled by 8
template <int UNROLL>
__device__ inline void col_sums(int n0, int n1, int C, int c, const float *__restrict__ x, const float *__restrict__ y,
                                const float *__restrict__ dy, double mean, double invstd, double *s1, double *s2)
{
    double a = 0.0, b = 0.0;
    if (UNROLL == 8) {
#pragma unroll 8
        for (int n = n0; n < n1; n++) COL_SUMS_BODY
    } else {
        for (int n = n0; n < n1; n++) COL_SUMS_BODY
    }
    *s1 = a;
    *s2 = b;
}

// variant 0: the rolled loop (k_bn_cols_fwd / k_bn_cols_bwd before); 1: unrolled (now theirs)
template <int UNROLL>
__global__ void k_cols(int N, int C, const float *__restrict__ x, const float *__restrict__ y,
                       const float *__restrict__ dy, const float *__restrict__ save_mean,
                       const float *__restrict__ save_invstd, double *__restrict__ part)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double s1, s2;
    col_sums<UNROLL>(0, N, C, c, x, y, dy, dy ? save_mean[c] : 0.0, dy ? save_invstd[c] : 0.0, &s1, &s2);
    part[c] = s1;
    part[C + c] = s2;
}

// variant 2: slice blockIdx.y of SLICES of the rows; part[c * SLICES + p], [(C + c) * SLICES + p]
__global__ void k_cols_sliced(int N, int C, const float *__restrict__ x, const float *__restrict__ y,
                              const float *__restrict__ dy, const float *__restrict__ save_mean,
                              const float *__restrict__ save_invstd, double *__restrict__ part)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x, p = blockIdx.y;
    if (c >= C) return;
    const int rows = (N + SLICES - 1) / SLICES, n0 = p * rows, n1 = n0 + rows < N ? n0 + rows : N;
    double s1, s2;
    col_sums<0>(n0, n1 > n0 ? n1 : n0, C, c, x, y, dy, dy ? save_mean[c] : 0.0, dy ? save_invstd[c] : 0.0, &s1,
                &s2);
    part[(size_t)c * SLICES + p] = s1;
    part[(size_t)(C + c) * SLICES + p] = s2;
}

typedef struct {
    cudaStream_t stream;
    int variant, backward, n, c;
    const float *x, *y, *dy, *sm, *si;
    double *part;
} arg_t;

static void run(void *q)
{
    const arg_t *a = (const arg_t *)q;
    const unsigned blocks = (unsigned)((a->c + DDAD_THREADS - 1) / DDAD_THREADS);
    const float *y = a->backward ? a->y : NULL, *dy = a->backward ? a->dy : NULL;
    if (a->variant == 0)
        k_cols<0><<<blocks, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->x, y, dy, a->sm, a->si, a->part);
    else if (a->variant == 1)
        k_cols<8><<<blocks, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->x, y, dy, a->sm, a->si, a->part);
    else
        k_cols_sliced<<<dim3(blocks, SLICES), DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->x, y, dy, a->sm, a->si,
                                                                            a->part);
    DDAD_CHECK_LAUNCH("BatchNorm1d statistics");
}

int main(void)
{
    if (bench_skip("bench_bn_cols")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 11, 0, 0, DDAD_RNG_TEST, 0);
    const int N = 64, C = 2048;   // the AE's BatchNorm1d at batch 64 (img 64, mp 1)
    const size_t n = (size_t)N * C;
    float *hx = (float *)malloc(n * sizeof(float)), *hy = (float *)malloc(n * sizeof(float));
    float *hdy = (float *)malloc(n * sizeof(float)), *hsm = (float *)malloc(C * sizeof(float));
    float *hsi = (float *)malloc(C * sizeof(float));
    double *want = (double *)malloc(2 * C * sizeof(double));
    if (!hx || !hy || !hdy || !hsm || !hsi || !want) return 1;
    for (size_t i = 0; i < n; i++) {
        hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 1.0f;
        float v = ddad_rng_uniformf(&rng) - 0.5f;
        hy[i] = v > 0.0f ? v : 0.0f;
        hdy[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
    }
    for (int c = 0; c < C; c++) {
        hsm[c] = 1.0f + 0.001f * c;
        hsi[c] = 0.5f + ddad_rng_uniformf(&rng);
    }
    arg_t base = {ctx->stream, 0, 0, N, C, NULL, NULL, NULL, NULL, NULL, NULL};
    base.x = (const float *)bench_dev_copy(hx, n * sizeof(float));
    base.y = (const float *)bench_dev_copy(hy, n * sizeof(float));
    base.dy = (const float *)bench_dev_copy(hdy, n * sizeof(float));
    base.sm = (const float *)bench_dev_copy(hsm, C * sizeof(float));
    base.si = (const float *)bench_dev_copy(hsi, C * sizeof(float));
    const char *vnames[3] = {"rolled", "unroll8", "slices8"};
    int bad = 0;
    for (int backward = 0; backward < 2; backward++) {
        for (int c = 0; c < C; c++) {
            double s1 = 0.0, s2 = 0.0;
            for (int r = 0; r < N; r++) {
                size_t i = (size_t)r * C + c;
                if (!backward) {
                    s1 += hx[i];
                    s2 += (double)hx[i] * hx[i];
                } else {
                    double d = hy[i] > 0.0f ? (double)hdy[i] : 0.0;
                    s1 += d;
                    s2 += d * ((hx[i] - (double)hsm[c]) * (double)hsi[c]);
                }
            }
            want[c] = s1;
            want[C + c] = s2;
        }
        double *rolled = NULL;
        for (int v = 0; v < 3; v++) {
            const int P = v == 2 ? SLICES : 1;
            const size_t np = 2 * (size_t)C * P, bytes = np * sizeof(double);
            double *dpart = (double *)ddad_gpu_malloc(bytes, "partials");
            DDAD_CHECK_CUDA(cudaMemsetAsync(dpart, 0xFF, bytes, ctx->stream));   // NaN: unwritten fails
            arg_t a = base;
            a.variant = v;
            a.backward = backward;
            a.part = dpart;
            run(&a);
            double *h = (double *)malloc(bytes);
            if (!h) return 1;
            DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
            DDAD_CHECK_CUDA(cudaMemcpy(h, dpart, bytes, cudaMemcpyDeviceToHost));
            float ms = bench_time_graph(ctx->stream, 7, 200, run, &a);
            double worst = 0.0;
            int finite = 1;
            for (int i = 0; i < 2 * C; i++) {
                double g = 0.0;
                for (int p = 0; p < P; p++) g += h[(size_t)i * P + p];
                double e = fabs(g - want[i]) / (fabs(want[i]) + 1.0);
                if (!(e <= 1e300)) finite = 0;
                if (e > worst) worst = e;
            }
            int same = v != 1 || memcmp(h, rolled, bytes) == 0;   // the unrolled loop: the rolled one's bits
            int ok = finite && worst <= 1e-12 && same;
            if (!ok) bad = 1;
            printf("bn1d %-8s n%d c%d %-10s %7.2f us  vs host %.1e%s%s %s\n", backward ? "backward" : "forward", N, C,
                   vnames[v], ms * 1e3, worst, finite ? "" : " (NOT FINITE)",
                   v == 1 ? (same ? ", bit-equal to rolled" : ", DIFFERS from rolled") : "",
                   ok ? "ok" : "FAIL");
            char nm[96];
            snprintf(nm, sizeof nm, "bn_cols_%s_%s", backward ? "bwd" : "fwd", vnames[v]);
            bench_result(nm, ms * 1e3, "us");
            ddad_gpu_free(dpart, bytes);
            if (v == 0)
                rolled = h;
            else
                free(h);
        }
        free(rolled);
    }
    ddad_gpu_free((void *)base.x, n * sizeof(float));
    ddad_gpu_free((void *)base.y, n * sizeof(float));
    ddad_gpu_free((void *)base.dy, n * sizeof(float));
    ddad_gpu_free((void *)base.sm, C * sizeof(float));
    ddad_gpu_free((void *)base.si, C * sizeof(float));
    free(hx), free(hy), free(hdy), free(hsm), free(hsi), free(want);
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_cols: VALIDATION FAILED\n");
    return bad;
}

// Kernel lab: BatchNorm's kernels with cheaper index arithmetic. Before, the kernels in
// batchnorm_gpu.cu found each element by a 64-bit division and modulo: the partial sums of
// slice position j by H×W, the train-mode apply of the flat index i by H×W and C. The H200
// profile of the AE step (docs/GPU.md) put BatchNorm at 31% of the step, its kernels at
// 5-18 µs whatever the tensor's size. Production now uses the variants timed here:
//   partial sums (forward: x, x²; backward: d, d·xhat): one division per thread, then the
//     (sample, offset) pair steps by the block's stride in 32-bit arithmetic (kernels.cuh,
//     ddad_bn_walk); each thread visits the same elements in the same order, so the
//     partials must be the same bits;
//   apply (train): the same expression with a 32-bit flat index, so the same bits.
// The baselines are copies of the kernels as they were. Every variant is checked bit for
// bit against its baseline, the sums against the host's in double, and timed as CUDA graph
// replays (as the pipeline runs them) on the AE's and the refiner's BatchNorm2d shapes.
#include <math.h>

#include "bench_common.h"
#include "cuda/gpu_ctx.h"
#include "cuda/kernels.cuh"

__device__ inline void write_part(int C, int P, int p, int c, double s1, double s2, double *part)
{
    s1 = ddad_block_sum(s1);
    s2 = ddad_block_sum(s2);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
    }
}

// ---- forward partial sums ----
__global__ void k_fwd_div64(int N, int C, int HW, int P, const float *__restrict__ x, double *__restrict__ part)
{
    // the former ddad_bn_slice_sums
    const int p = blockIdx.x, c = blockIdx.y;
    const size_t per = (size_t)N * HW, chunk = (per + P - 1) / P;
    const size_t lo = p * chunk, hi = lo + chunk < per ? lo + chunk : per;
    double s1 = 0.0, s2 = 0.0;
    for (size_t j = lo + threadIdx.x; j < hi; j += blockDim.x) {
        double v = x[((j / HW) * C + c) * HW + j % HW];
        s1 += v;
        s2 += v * v;
    }
    write_part(C, P, p, c, s1, s2, part);
}

__global__ void k_fwd_step32(int N, int C, int HW, int P, const float *__restrict__ x, double *__restrict__ part)
{
    double s1, s2;
    ddad_bn_slice_sums<unsigned>(N, C, HW, P, blockIdx.x, blockIdx.y, x, &s1, &s2);   // production
    if (threadIdx.x == 0) {
        part[(size_t)blockIdx.y * P + blockIdx.x] = s1;
        part[(size_t)(C + blockIdx.y) * P + blockIdx.x] = s2;
    }
}

// ---- backward partial sums of d and d * xhat, d = dy masked by y > 0 ----
__global__ void k_bwd_div64(int N, int C, int HW, int P, const float *__restrict__ x, const float *__restrict__ y,
                            const float *__restrict__ dy, const float *__restrict__ save_mean,
                            const float *__restrict__ save_invstd, double *__restrict__ part)
{
    // the former k_bn_part_bwd
    const int p = blockIdx.x, c = blockIdx.y;
    const size_t per = (size_t)N * HW, chunk = (per + P - 1) / P;
    const size_t lo = p * chunk, hi = lo + chunk < per ? lo + chunk : per;
    const double mean = save_mean[c], invstd = save_invstd[c];
    double s1 = 0.0, s2 = 0.0;
    for (size_t j = lo + threadIdx.x; j < hi; j += blockDim.x) {
        size_t i = ((j / HW) * C + c) * HW + j % HW;
        double d = (y && !(y[i] > 0.0f)) ? 0.0 : (double)dy[i];
        s1 += d;
        s2 += d * ((x[i] - mean) * invstd);
    }
    write_part(C, P, p, c, s1, s2, part);
}

__global__ void k_bwd_step32(int N, int C, int HW, int P, const float *__restrict__ x, const float *__restrict__ y,
                             const float *__restrict__ dy, const float *__restrict__ save_mean,
                             const float *__restrict__ save_invstd, double *__restrict__ part)
{
    // k_bn_part_bwd<unsigned>'s loop (file-local to batchnorm_gpu.cu)
    const int p = blockIdx.x, c = blockIdx.y;
    const double mean = save_mean[c], invstd = save_invstd[c];
    double s1 = 0.0, s2 = 0.0;
    for (ddad_bn_walk<unsigned> w(N, HW, P, p); w.more(); w.next()) {
        const size_t i = w.at(C, c);
        double d = (y && !(y[i] > 0.0f)) ? 0.0 : (double)dy[i];
        s1 += d;
        s2 += d * ((x[i] - mean) * invstd);
    }
    write_part(C, P, p, c, s1, s2, part);
}

// ---- train-mode apply (with ReLU) ----
__global__ void k_apply_u64(size_t total, int C, int HW, const float *__restrict__ x, const double *__restrict__ mean_d,
                            const double *__restrict__ scale_d, const float *__restrict__ beta, float *__restrict__ y)
{
    // the former k_bn_apply_train with relu = 1
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
        int c = (int)((i / HW) % C);
        float v = (float)(((double)x[i] - mean_d[c]) * scale_d[c] + (double)beta[c]);
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

// k_bn_apply_train<unsigned> with relu = 1
__global__ void k_apply_u32(unsigned total, unsigned C, unsigned HW, const float *__restrict__ x,
                            const double *__restrict__ mean_d, const double *__restrict__ scale_d,
                            const float *__restrict__ beta, float *__restrict__ y)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned c = (i / HW) % C;
        float v = (float)(((double)x[i] - mean_d[c]) * scale_d[c] + (double)beta[c]);
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

enum { FWD, BWD, APPLY };
static const char *const k_ops[3] = {"fwd", "bwd", "apply"};

typedef struct {
    cudaStream_t stream;
    int op, variant, n, c, hw, P;
    const float *x, *y, *dy, *sm, *si, *beta;
    const double *mean_d, *scale_d;
    double *part;
    float *out;
} arg_t;

static void run(void *q)
{
    const arg_t *a = (const arg_t *)q;
    const dim3 grid(a->P, a->c);
    const size_t total = (size_t)a->n * a->c * a->hw;
    if (a->op == FWD && !a->variant)
        k_fwd_div64<<<grid, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->part);
    else if (a->op == FWD)
        k_fwd_step32<<<grid, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->part);
    else if (a->op == BWD && !a->variant)
        k_bwd_div64<<<grid, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->y, a->dy, a->sm, a->si,
                                                          a->part);
    else if (a->op == BWD)
        k_bwd_step32<<<grid, DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->y, a->dy, a->sm, a->si,
                                                           a->part);
    else if (!a->variant)
        k_apply_u64<<<ddad_blocks(total), DDAD_THREADS, 0, a->stream>>>(total, a->c, a->hw, a->x, a->mean_d,
                                                                         a->scale_d, a->beta, a->out);
    else
        k_apply_u32<<<ddad_blocks(total), DDAD_THREADS, 0, a->stream>>>((unsigned)total, (unsigned)a->c,
                                                                         (unsigned)a->hw, a->x, a->mean_d,
                                                                         a->scale_d, a->beta, a->out);
    DDAD_CHECK_LAUNCH("BatchNorm lab kernel");
}

// host sums in double of what the partial kernels sum, per channel: [s1 of C][s2 of C]
static void host_sums(int op, int N, int C, int HW, const float *x, const float *y, const float *dy, const float *sm,
                      const float *si, double *want)
{
    for (int c = 0; c < C; c++) {
        double s1 = 0.0, s2 = 0.0;
        for (int i = 0; i < N; i++)
            for (int r = 0; r < HW; r++) {
                size_t k = ((size_t)i * C + c) * HW + r;
                if (op == FWD) {
                    s1 += x[k];
                    s2 += (double)x[k] * x[k];
                } else {
                    double d = y[k] > 0.0f ? (double)dy[k] : 0.0;
                    s1 += d;
                    s2 += d * ((x[k] - (double)sm[c]) * (double)si[c]);
                }
            }
        want[c] = s1;
        want[C + c] = s2;
    }
}

int main(void)
{
    if (bench_skip("bench_bn_index")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 9, 0, 0, DDAD_RNG_TEST, 0);
    // the AE's BatchNorm2d inputs at batch 64 (encoder 0..3) and the refiner's at batch 8
    const int shapes[5][3] = {{64, 16, 32 * 32}, {64, 32, 16 * 16}, {64, 64, 8 * 8}, {64, 64, 4 * 4}, {8, 128, 64 * 64}};
    const char *names[5] = {"ae_bn0", "ae_bn1", "ae_bn2", "ae_bn3", "refiner"};
    int bad = 0;
    for (int k = 0; k < 5; k++) {
        const int N = shapes[k][0], C = shapes[k][1], HW = shapes[k][2];
        const size_t n = (size_t)N * C * HW, per = (size_t)N * HW;
        if (n >= 2147483648u) {
            fprintf(stderr, "bench_bn_index: %s has N * C * HW >= 2^31\n", names[k]);
            return 1;
        }
        int P = (int)(per / 4096);   // batchnorm_gpu.cu's bn_slices
        if (P < 1) P = 1;
        if (P > 256) P = 256;
        float *hx = (float *)malloc(n * sizeof(float)), *hy = (float *)malloc(n * sizeof(float));
        float *hdy = (float *)malloc(n * sizeof(float)), *hsm = (float *)malloc(C * sizeof(float));
        float *hsi = (float *)malloc(C * sizeof(float)), *hbeta = (float *)malloc(C * sizeof(float));
        double *hmean = (double *)malloc(C * sizeof(double)), *hscale = (double *)malloc(C * sizeof(double));
        if (!hx || !hy || !hdy || !hsm || !hsi || !hbeta || !hmean || !hscale) return 1;
        for (size_t i = 0; i < n; i++) {
            hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 1.0f;
            float v = ddad_rng_uniformf(&rng) - 0.5f;
            hy[i] = v > 0.0f ? v : 0.0f;   // a ReLU output: about half masked
            hdy[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
        }
        for (int c = 0; c < C; c++) {
            hsm[c] = 1.0f + 0.01f * c;
            hsi[c] = 0.5f + ddad_rng_uniformf(&rng);
            hbeta[c] = ddad_rng_uniformf(&rng) - 0.5f;
            hmean[c] = hsm[c];
            hscale[c] = hsi[c];
        }
        arg_t base = {ctx->stream, 0, 0, N, C, HW, P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
        base.x = (const float *)bench_dev_copy(hx, n * sizeof(float));
        base.y = (const float *)bench_dev_copy(hy, n * sizeof(float));
        base.dy = (const float *)bench_dev_copy(hdy, n * sizeof(float));
        base.sm = (const float *)bench_dev_copy(hsm, C * sizeof(float));
        base.si = (const float *)bench_dev_copy(hsi, C * sizeof(float));
        base.beta = (const float *)bench_dev_copy(hbeta, C * sizeof(float));
        base.mean_d = (const double *)bench_dev_copy(hmean, C * sizeof(double));
        base.scale_d = (const double *)bench_dev_copy(hscale, C * sizeof(double));
        const size_t np = 2 * (size_t)C * P;
        double *want = (double *)malloc(2 * C * sizeof(double));
        if (!want) return 1;
        for (int op = FWD; op <= APPLY; op++) {
            const size_t count = op == APPLY ? n : np, bytes = count * (op == APPLY ? sizeof(float) : sizeof(double));
            void *dres[2], *hres[2];
            float ms[2];
            for (int v = 0; v < 2; v++) {
                dres[v] = ddad_gpu_malloc(bytes, "lab result");
                DDAD_CHECK_CUDA(cudaMemsetAsync(dres[v], 0xFF, bytes, ctx->stream));   // NaN: unwritten fails
                arg_t a = base;
                a.op = op;
                a.variant = v;
                a.part = (double *)dres[v];
                a.out = (float *)dres[v];
                run(&a);
                hres[v] = malloc(bytes);
                if (!hres[v]) return 1;
                DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
                DDAD_CHECK_CUDA(cudaMemcpy(hres[v], dres[v], bytes, cudaMemcpyDeviceToHost));
                ms[v] = bench_time_graph(ctx->stream, 7, 200, run, &a);
            }
            const int same = memcmp(hres[0], hres[1], bytes) == 0;
            // the baseline against the host: channel sums (partials summed in slice order),
            // or the apply's values
            double worst = 0.0;
            int finite = 1;
            if (op == APPLY) {
                const float *got = (const float *)hres[0];
                for (size_t i = 0; i < n; i++) {
                    int c = (int)((i / HW) % C);
                    double w = ((double)hx[i] - hmean[c]) * hscale[c] + (double)hbeta[c];
                    w = w > 0.0 ? w : 0.0;
                    double e = fabs(got[i] - w) / (fabs(w) + 1.0);
                    if (!(e <= 1e300)) finite = 0;
                    if (e > worst) worst = e;
                }
            } else {
                host_sums(op, N, C, HW, hx, hy, hdy, hsm, hsi, want);
                const double *got = (const double *)hres[0];
                for (int i = 0; i < 2 * C; i++) {
                    double g = 0.0;
                    for (int q = 0; q < P; q++) g += got[(size_t)i * P + q];
                    double e = fabs(g - want[i]) / (fabs(want[i]) + 1.0);
                    if (!(e <= 1e300)) finite = 0;
                    if (e > worst) worst = e;
                }
            }
            const double tol = op == APPLY ? 1e-6 : 1e-12;
            const int ok = same && finite && worst <= tol;
            if (!ok) bad = 1;
            printf("%-8s %-5s n%d c%d hw%-5d P%-3d 64-bit %7.2f us  32-bit %7.2f us  %s, vs host %.1e%s %s\n",
                   names[k], k_ops[op], N, C, HW, P, ms[0] * 1e3, ms[1] * 1e3, same ? "bit-equal" : "DIFFER", worst,
                   finite ? "" : " (NOT FINITE)", ok ? "ok" : "FAIL");
            char nm[96];
            snprintf(nm, sizeof nm, "bn_index_%s_64bit_%s", k_ops[op], names[k]);
            bench_result(nm, ms[0] * 1e3, "us");
            snprintf(nm, sizeof nm, "bn_index_%s_32bit_%s", k_ops[op], names[k]);
            bench_result(nm, ms[1] * 1e3, "us");
            for (int v = 0; v < 2; v++) {
                ddad_gpu_free(dres[v], bytes);
                free(hres[v]);
            }
        }
        ddad_gpu_free((void *)base.x, n * sizeof(float));
        ddad_gpu_free((void *)base.y, n * sizeof(float));
        ddad_gpu_free((void *)base.dy, n * sizeof(float));
        ddad_gpu_free((void *)base.sm, C * sizeof(float));
        ddad_gpu_free((void *)base.si, C * sizeof(float));
        ddad_gpu_free((void *)base.beta, C * sizeof(float));
        ddad_gpu_free((void *)base.mean_d, C * sizeof(double));
        ddad_gpu_free((void *)base.scale_d, C * sizeof(double));
        free(hx), free(hy), free(hdy), free(hsm), free(hsi), free(hbeta), free(hmean), free(hscale), free(want);
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_index: VALIDATION FAILED\n");
    return bad;
}

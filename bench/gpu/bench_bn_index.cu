// Kernel lab: BatchNorm's per-slice partial sums with cheaper index arithmetic. The
// production pass (ddad_bn_slice_sums, kernels.cuh) finds each element of channel c by a
// 64-bit division and modulo of its slice position j by H×W; the H200 profile of the AE
// step (docs/GPU.md) put these passes at 5-18 µs whatever the tensor's size. The variant
// divides once per thread and then steps (sample, offset) by the block's stride in 32-bit
// arithmetic: each thread visits the same elements in the same order, so the partials must
// be the same bits. Both are validated (bitwise against each other, and their sums against
// the host's in double) and timed on the AE's and the refiner's BatchNorm2d shapes.
#include <math.h>

#include "bench_common.h"
#include "cuda/gpu_ctx.h"
#include "cuda/kernels.cuh"

__global__ void k_part_div64(int N, int C, int HW, int P, const float *__restrict__ x, double *__restrict__ part)
{
    const int p = blockIdx.x, c = blockIdx.y;
    double s1, s2;
    ddad_bn_slice_sums(N, C, HW, P, p, c, x, &s1, &s2);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
    }
}

__global__ void k_part_step32(int N, int C, int HW, int P, const float *__restrict__ x, double *__restrict__ part)
{
    const int p = blockIdx.x, c = blockIdx.y;
    // positions j of this slice, as in ddad_bn_slice_sums (N * HW < 2^31: checked by main)
    const unsigned per = (unsigned)N * (unsigned)HW, chunk = (per + P - 1) / P;
    const unsigned lo = p * chunk, hi = lo + chunk < per ? lo + chunk : per;
    const unsigned hw = (unsigned)HW, step_n = blockDim.x / hw, step_r = blockDim.x % hw;
    unsigned j = lo + threadIdx.x, n = j / hw, r = j % hw;
    double s1 = 0.0, s2 = 0.0;
    for (; j < hi; j += blockDim.x) {
        double v = x[((size_t)n * C + c) * hw + r];
        s1 += v;
        s2 += v * v;
        r += step_r;
        n += step_n;
        if (r >= hw) {
            r -= hw;
            n++;
        }
    }
    s1 = ddad_block_sum(s1);
    s2 = ddad_block_sum(s2);
    if (threadIdx.x == 0) {
        part[(size_t)c * P + p] = s1;
        part[(size_t)(C + c) * P + p] = s2;
    }
}

typedef struct {
    cudaStream_t stream;
    int n, c, hw, P, variant;
    const float *x;
    double *part;
} arg_t;

static void run(void *q)
{
    arg_t *a = (arg_t *)q;
    if (a->variant)
        k_part_step32<<<dim3(a->P, a->c), DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->part);
    else
        k_part_div64<<<dim3(a->P, a->c), DDAD_THREADS, 0, a->stream>>>(a->n, a->c, a->hw, a->P, a->x, a->part);
    DDAD_CHECK_LAUNCH("BatchNorm partial sums");
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
        if ((double)N * HW >= 2147483648.0) {
            fprintf(stderr, "bench_bn_index: %s has N * HW >= 2^31\n", names[k]);
            return 1;
        }
        const size_t n = (size_t)N * C * HW, per = (size_t)N * HW;
        int P = (int)(per / 4096);   // batchnorm_gpu.cu's bn_slices
        if (P < 1) P = 1;
        if (P > 256) P = 256;
        float *hx = (float *)malloc(n * sizeof(float));
        if (!hx) return 1;
        for (size_t i = 0; i < n; i++) hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 1.0f;
        float *dx = (float *)ddad_gpu_malloc(n * sizeof(float), "x");
        DDAD_CHECK_CUDA(cudaMemcpy(dx, hx, n * sizeof(float), cudaMemcpyHostToDevice));
        // the context's stream does not wait for the legacy stream's copies and memsets
        const size_t np = 2 * (size_t)C * P;
        double *dpart[2], *hpart[2];
        float ms[2];
        for (int v = 0; v < 2; v++) {
            dpart[v] = (double *)ddad_gpu_malloc(np * sizeof(double), "partials");
            DDAD_CHECK_CUDA(cudaMemset(dpart[v], 0xFF, np * sizeof(double)));   // NaN: unwritten slots fail
            DDAD_CHECK_CUDA(cudaDeviceSynchronize());
            arg_t a = {ctx->stream, N, C, HW, P, v, dx, dpart[v]};
            run(&a);
            hpart[v] = (double *)malloc(np * sizeof(double));
            if (!hpart[v]) return 1;
            DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
            DDAD_CHECK_CUDA(cudaMemcpy(hpart[v], dpart[v], np * sizeof(double), cudaMemcpyDeviceToHost));
            ms[v] = bench_time(ctx->stream, 7, 200, run, &a);
        }
        // the variant's partials are the production's bits; their sums are the host's
        int same = memcmp(hpart[0], hpart[1], np * sizeof(double)) == 0;
        double worst = 0.0;
        int finite = 1;
        for (int c = 0; c < C; c++) {
            double w1 = 0.0, w2 = 0.0, g1 = 0.0, g2 = 0.0;
            for (int i = 0; i < N; i++)
                for (int r = 0; r < HW; r++) {
                    double v = hx[((size_t)i * C + c) * HW + r];
                    w1 += v;
                    w2 += v * v;
                }
            for (int q = 0; q < P; q++) {
                g1 += hpart[1][(size_t)c * P + q];
                g2 += hpart[1][(size_t)(C + c) * P + q];
            }
            double e1 = fabs(g1 - w1) / (fabs(w1) + 1.0), e2 = fabs(g2 - w2) / (fabs(w2) + 1.0);
            if (!(e1 <= 1e300) || !(e2 <= 1e300)) finite = 0;   // NaN or infinite: an unwritten slot
            if (e1 > worst) worst = e1;
            if (e2 > worst) worst = e2;
        }
        int ok = same && finite && worst <= 1e-12;
        if (!ok) bad = 1;
        printf("%-8s n%d c%d hw%-5d P%-3d div64 %7.2f us  step32 %7.2f us  partials %s, sums vs host %.1e%s %s\n",
               names[k], N, C, HW, P, ms[0] * 1e3, ms[1] * 1e3, same ? "bit-equal" : "DIFFER", worst,
               finite ? "" : " (NOT FINITE)", ok ? "ok" : "FAIL");
        char nm[96];
        snprintf(nm, sizeof nm, "bn_index_div64_%s", names[k]);
        bench_result(nm, ms[0] * 1e3, "us");
        snprintf(nm, sizeof nm, "bn_index_step32_%s", names[k]);
        bench_result(nm, ms[1] * 1e3, "us");
        for (int v = 0; v < 2; v++) {
            ddad_gpu_free(dpart[v], np * sizeof(double));
            free(hpart[v]);
        }
        ddad_gpu_free(dx, n * sizeof(float));
        free(hx);
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_index: VALIDATION FAILED\n");
    return bad;
}

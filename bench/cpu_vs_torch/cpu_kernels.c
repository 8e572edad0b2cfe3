/* The CPU kernels this project wrote against what they replaced, each timed alone, so the
 * figures in docs/NN.md and bench/RESULTS.md can be rerun:
 *  - the refiner's 128 -> 128 layer (batch 8, 64x64, one sample per call as in training):
 *    forward, input gradient and weight gradient by the plain Winograd path (BLAS over
 *    whole samples) and by the blocked path (conv_winograd_fused.h, AVX-512 builds);
 *  - ddad_sgemm on the AE's GEMM shapes against the tiled BLAS calls it would otherwise
 *    make, and whether the two give the same bits;
 *  - one Adam step over the AE's 4.3 M parameters.
 * Means over REPS calls after one warm-up call, wall clock.
 * usage: bench_cpu_kernels [THREADS [REPS]]   (OPENBLAS_NUM_THREADS=1 as run.sh sets) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/util.h"
#include "model/adam.h"
#include "nn/conv2d.h"
#include "nn/conv_winograd.h"
#include "nn/conv_winograd_fused.h"
#include "nn/gemm.h"
#include "nn/threads.h"

static float *random_floats(size_t n, float scale, uint64_t stream)
{
    float *p = ddad_malloc_aligned(sizeof(float) * n, "benchmark data");
    ddad_rng r;
    ddad_rng_init(&r, 3, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, stream);
    for (size_t i = 0; i < n; i++) p[i] = scale * (2.0f * ddad_rng_uniformf(&r) - 1.0f);
    return p;
}

static void winograd_paths(int reps)
{
    enum { N = 8, C = 128, S = 64 };
    ddad_conv_shape s = ddad_conv_shape_make(N, C, S, S, C, 3, 1, 1);
    s.chunk = 1;
    const size_t nx = (size_t)N * C * S * S, nw = (size_t)C * C * 9;
    float *x = random_floats(nx, 1.0f, 1), *dy = random_floats(nx, 1.0f, 2), *w = random_floats(nw, 0.03f, 3);
    float *b = random_floats(C, 0.1f, 4), *y = random_floats(nx, 0, 0), *dx = random_floats(nx, 0, 0);
    double *dw = ddad_malloc_aligned(sizeof(double) * nw, "dw");
    float *ws = ddad_malloc_aligned(sizeof(float) * ddad_conv_workspace_floats(&s), "workspace");
    const int fused = ddad_wfused_applies(&s);
    double t[6] = {0};
    for (int r = 0; r <= reps; r++) {
        double t0 = ddad_now();
        ddad_winograd_forward2(&s, N, x, w, b, y, ws);
        double t1 = ddad_now();
        ddad_winograd_backward_data(&s, N, w, dy, dx, ws);
        double t2 = ddad_now();
        ddad_winograd_backward_weight(&s, N, x, dy, dw, ws);
        double t3 = ddad_now(), t4 = t3, t5 = t3, t6 = t3;
        if (fused) {
            ddad_wfused_forward(&s, N, x, w, b, y, ws);
            t4 = ddad_now();
            ddad_wfused_backward_data(&s, N, w, dy, dx, ws);
            t5 = ddad_now();
            ddad_wfused_backward_weight(&s, N, x, dy, dw, ws);
            t6 = ddad_now();
        }
        if (r == 0) continue;
        t[0] += t1 - t0, t[1] += t2 - t1, t[2] += t3 - t2, t[3] += t4 - t3, t[4] += t5 - t4, t[5] += t6 - t5;
    }
    printf("refiner 128->128, batch 8, 64x64     forward  input grad  weight grad\n");
    printf("  plain Winograd (BLAS)             %7.2f ms  %7.2f ms  %7.2f ms\n", 1e3 * t[0] / reps,
           1e3 * t[1] / reps, 1e3 * t[2] / reps);
    if (fused)
        printf("  blocked (conv_winograd_fused)     %7.2f ms  %7.2f ms  %7.2f ms\n", 1e3 * t[3] / reps,
               1e3 * t[4] / reps, 1e3 * t[5] / reps);
    else
        printf("  blocked path: not in this build (needs AVX-512)\n");
    free(x), free(dy), free(w), free(b), free(y), free(dx), free(dw), free(ws);
}

/* The tiled BLAS calls ddad_sgemm makes when its own kernel does not apply. */
static void tiled_blas(int ta, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                       int ldc)
{
    const int tm = (m + DDAD_GEMM_TM - 1) / DDAD_GEMM_TM, tn = (n + DDAD_GEMM_TN - 1) / DDAD_GEMM_TN;
#pragma omp parallel for schedule(dynamic, 1) if (tm * tn > 1)
    for (int t = 0; t < tm * tn; t++) {
        const int i0 = (t / tn) * DDAD_GEMM_TM, j0 = (t % tn) * DDAD_GEMM_TN;
        const int mi = m - i0 < DDAD_GEMM_TM ? m - i0 : DDAD_GEMM_TM, nj = n - j0 < DDAD_GEMM_TN ? n - j0 : DDAD_GEMM_TN;
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, CblasNoTrans, mi, nj, k, 1.0f,
                    ta ? a + i0 : a + (size_t)i0 * lda, lda, b + j0, ldb, 0.0f, c + (size_t)i0 * ldc + j0, ldc);
    }
}

static void gemm_shapes(void)
{
    /* {trans_a, m, n, k}: the AE's convolutions (forward: k x np x c*16; the transposed
     * convolutions' and input gradients' products with A transposed) and its Linear layers */
    static const int shapes[][4] = {{0, 16, 1024, 16},  {0, 32, 768, 256},  {0, 64, 448, 512},  {0, 64, 256, 1024},
                                    {0, 32, 256, 256},  {0, 64, 64, 512},   {0, 64, 16, 1024},  {1, 256, 768, 16},
                                    {1, 16, 1024, 16},  {0, 64, 2048, 16},  {0, 64, 1024, 2048}, {1, 2048, 1024, 64}};
    printf("ddad_sgemm vs the tiled BLAS calls    BLAS        ddad_sgemm   speed-up  same bits\n");
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int ta = shapes[i][0], m = shapes[i][1], n = shapes[i][2], k = shapes[i][3], lda = ta ? m : k;
        float *a = random_floats((size_t)m * k, 1.0f, 10 + i), *b = random_floats((size_t)k * n, 1.0f, 40 + i);
        float *c1 = random_floats((size_t)m * n, 0, 0), *c2 = random_floats((size_t)m * n, 0, 0);
        const int reps = (int)(4e8 / (2.0 * m * n * k)) + 1;
        tiled_blas(ta, m, n, k, a, lda, b, n, c1, n);
        double t0 = ddad_now();
        for (int r = 0; r < reps; r++) tiled_blas(ta, m, n, k, a, lda, b, n, c1, n);
        const double tb = (ddad_now() - t0) / reps;
        ddad_sgemm(ta, 0, m, n, k, 1.0f, a, lda, b, n, 0.0f, c2, n);
        t0 = ddad_now();
        for (int r = 0; r < reps; r++) ddad_sgemm(ta, 0, m, n, k, 1.0f, a, lda, b, n, 0.0f, c2, n);
        const double to = (ddad_now() - t0) / reps;
        printf("  %c m %4d n %4d k %4d          %8.1f us  %8.1f us    %5.2fx    %s\n", ta ? 'T' : 'N', m, n, k,
               1e6 * tb, 1e6 * to, tb / to, memcmp(c1, c2, sizeof(float) * (size_t)m * n) ? "no" : "yes");
        free(a), free(b), free(c1), free(c2);
    }
}

static void adam_step(int reps)
{
    ddad_paramset ps;
    memset(&ps, 0, sizeof ps);
    ps.n_params = 4300000;
    ps.params = random_floats(ps.n_params, 0.05f, 60);
    ps.grads = random_floats(ps.n_params, 1e-3f, 61);
    ps.adam_m = random_floats(ps.n_params, 0, 0);
    ps.adam_v = random_floats(ps.n_params, 0, 0);
    const ddad_adam_cfg cfg = ddad_adam_defaults(5e-4f, 0.0f);
    ddad_adam_step(&ps, &cfg);
    const double t0 = ddad_now();
    for (int r = 0; r < reps; r++) ddad_adam_step(&ps, &cfg);
    printf("Adam step, 4.3 M parameters          %7.2f ms\n", 1e3 * (ddad_now() - t0) / reps);
    free(ps.params), free(ps.grads), free(ps.adam_m), free(ps.adam_v);
}

int main(int argc, char **argv)
{
    ddad_nn_single_blas_pool(argv);
    ddad_nn_set_threads(argc > 1 ? atoi(argv[1]) : 2);
    const int reps = argc > 2 ? atoi(argv[2]) : 10;
    if (reps < 1) {
        fprintf(stderr, "usage: bench_cpu_kernels [THREADS [REPS]] (REPS >= 1)\n");
        return 2;
    }
    printf("threads: %d\n", ddad_nn_get_threads());
    winograd_paths(reps);
    gemm_shapes();
    adam_step(5 * reps);
    return 0;
}

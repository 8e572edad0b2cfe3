/* The rates that bound the CPU kernels on this machine, for reading bench_refine_layers:
 *  - OpenBLAS SGEMM in GFLOPS for the refiner's layer shapes, one BLAS thread per call as
 *    ddad runs it (nn/threads.h), on one thread and on every thread at once (each running
 *    its own product, as the Winograd kernels run one transform position per thread);
 *  - memory read bandwidth in GB/s, summing 100 and 400 MiB on every thread.
 * usage: bench_machine_rates [THREADS] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "nn/threads.h"

/* Best of 5 rounds after a warm-up: total GFLOPS of `copies` concurrent C = A B products
 * (A m x k, B k x n), each on its own thread and buffers. */
static double sgemm_gflops(int m, int n, int k, int copies)
{
    double best = 1e30;
#pragma omp parallel num_threads(copies)
    {
        float *a = ddad_malloc_aligned(sizeof(float) * (size_t)m * k, "A");
        float *b = ddad_malloc_aligned(sizeof(float) * (size_t)k * n, "B");
        float *c = ddad_malloc_aligned(sizeof(float) * (size_t)m * n, "C");
        for (size_t i = 0; i < (size_t)m * k; i++) a[i] = 1e-3f * (float)(i % 7);
        for (size_t i = 0; i < (size_t)k * n; i++) b[i] = 1e-3f * (float)(i % 5);
        for (int r = 0; r < 6; r++) {
            double t0 = 0.0;
#pragma omp barrier
#pragma omp master
            t0 = ddad_now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
#pragma omp barrier
#pragma omp master
            {
                double t = ddad_now() - t0;
                if (r > 0 && t < best) best = t;
            }
        }
        free(a), free(b), free(c);
    }
    return 2.0 * m * n * k * copies / best / 1e9;
}

/* Best of 5 passes: GB/s of summing `mib` MiB of floats, 16 independent lanes a thread. */
static double read_gbps(size_t mib)
{
    const size_t n = mib * 1024 * 1024 / sizeof(float);
    float *x = ddad_malloc_aligned(sizeof(float) * n, "buffer");
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = 1.0f;
    double best = 1e30, keep = 0.0;
    for (int r = 0; r < 6; r++) {
        double t0 = ddad_now(), total = 0.0;
#pragma omp parallel reduction(+ : total)
        {
            float lanes[16] = {0};
#pragma omp for schedule(static)
            for (size_t j = 0; j < n / 16; j++)
                for (int l = 0; l < 16; l++) lanes[l] += x[16 * j + l];
            for (int l = 0; l < 16; l++) total += lanes[l];
        }
        double t = ddad_now() - t0;
        keep += total;
        if (r > 0 && t < best) best = t;
    }
    free(x);
    if (keep < 0) printf("%g\n", keep);   /* keeps the sums alive */
    return (double)n * sizeof(float) / best / 1e9;
}

int main(int argc, char **argv)
{
    ddad_nn_single_blas_pool(argv);
    ddad_nn_set_threads(argc > 1 ? atoi(argv[1]) : 0);
    const int T = ddad_nn_get_threads();
    static const int shapes[3][3] = {{128, 1024, 128}, {128, 256, 128}, {2048, 2048, 2048}};
    static const char *what[3] = {"F(2x2) position, one sample", "F(4x4) position, one sample", "large square"};
    for (int i = 0; i < 3; i++) {
        const int m = shapes[i][0], n = shapes[i][1], k = shapes[i][2];
        printf("sgemm %4d x %4d x %4d (%-27s) 1 thread %6.1f GFLOPS, %d threads %6.1f GFLOPS\n", m, n, k, what[i],
               sgemm_gflops(m, n, k, 1), T, sgemm_gflops(m, n, k, T));
    }
    printf("read 100 MiB on %d threads %6.1f GB/s\n", T, read_gbps(100));
    printf("read 400 MiB on %d threads %6.1f GB/s\n", T, read_gbps(400));
    return 0;
}

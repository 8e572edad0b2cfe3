/* ddad_sgemm against a float64 product, on the shapes of the networks' GEMMs: those that
 * go to the register kernel (gemm_kernel.h; untransposed B in cache, A plain or, for the
 * shortest sums, transposed), with 16-column right edges, k cut into blocks, and leading
 * dimensions wider than the matrices; and some that stay with BLAS. Each must be as
 * accurate as the BLAS call itself (cblas_sgemm on the same operands), give the same bits
 * for 1 and 2 threads, and leave C outside its m x n part alone. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../test_check.h"
#include "core/rng.h"
#include "nn/gemm.h"
#include "nn/threads.h"

static void fill(float *p, size_t n, uint64_t seed)
{
    ddad_rng r;
    ddad_rng_init(&r, seed, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 0);
    for (size_t i = 0; i < n; i++) p[i] = 2.0f * ddad_rng_uniformf(&r) - 1.0f;
}

/* max |c - ref| / max |ref| over the m x n part */
static double rel(int m, int n, const float *c, int ldc, const double *ref)
{
    double num = 0.0, den = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            const double d = fabs((double)c[(size_t)i * ldc + j] - ref[(size_t)i * n + j]);
            if (!(d <= num)) num = d;   /* NaN wins */
            if (fabs(ref[(size_t)i * n + j]) > den) den = fabs(ref[(size_t)i * n + j]);
        }
    return num / den;
}

static void gemm_case(int ta, int tb, int m, int n, int k, int pad)
{
    const int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
    const size_t na = (size_t)(ta ? k : m) * lda, nb = (size_t)(tb ? n : k) * ldb, nc = (size_t)m * ldc;
    float *a = malloc(sizeof(float) * na), *b = malloc(sizeof(float) * nb);
    float *c1 = malloc(sizeof(float) * nc), *c2 = malloc(sizeof(float) * nc), *cb = malloc(sizeof(float) * nc);
    double *ref = malloc(sizeof(double) * m * n);
    fill(a, na, 1);
    fill(b, nb, 2);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int p = 0; p < k; p++)
                acc += (double)(ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]) *
                       (tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
            ref[(size_t)i * n + j] = acc;
        }
    for (size_t i = 0; i < nc; i++) c1[i] = c2[i] = -7.0f;   /* the padding must stay */
    ddad_nn_set_threads(1);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c1, ldc);
    ddad_nn_set_threads(2);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c2, ldc);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda,
                b, ldb, 0.0f, cb, ldc);
    const double e = rel(m, n, c1, ldc, ref), eb = rel(m, n, cb, ldc, ref);
    int pad_kept = 1;
    for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++) pad_kept &= c1[(size_t)i * ldc + j] == -7.0f;
    printf("sgemm %c%c %5d x %5d x %5d (pad %d): rel %.2e, BLAS %.2e\n", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
           pad, e, eb);
    CHECK(e <= 1.5 * eb + 1e-7, "%c%c %d x %d x %d: rel %.3e, BLAS's %.3e", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n,
          k, e, eb);
    CHECK(memcmp(c1, c2, sizeof(float) * nc) == 0, "%d x %d x %d: 1 and 2 threads differ", m, n, k);
    CHECK(pad_kept, "%d x %d x %d: wrote outside C's columns", m, n, k);
    free(a), free(b), free(c1), free(c2), free(cb), free(ref);
}

int main(void)
{
    /* the register kernel: convolution forward (k = c*16 up to 2048: one block, or
     * OpenBLAS's blocks of 448 and halved rests), 16-column edges, transposed A with k 16 */
    gemm_case(0, 0, 16, 1024, 16, 0);
    gemm_case(0, 0, 32, 768, 256, 0);
    gemm_case(0, 0, 64, 448, 512, 0);
    gemm_case(0, 0, 64, 272, 1024, 0);
    gemm_case(0, 0, 128, 496, 2048, 0);
    gemm_case(0, 0, 8, 48, 2048, 3);
    gemm_case(1, 0, 256, 768, 16, 0);
    gemm_case(1, 0, 16, 2064, 16, 5);
    /* BLAS: B transposed, large B (streamed), transposed A with longer sums, odd shapes */
    gemm_case(0, 1, 64, 2048, 1024, 0);
    gemm_case(0, 0, 64, 1024, 2048, 0);
    gemm_case(1, 0, 1024, 256, 64, 0);
    gemm_case(0, 0, 12, 100, 37, 1);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}

/* ddad_sgemm against a float64 product, on the shapes of the networks' GEMMs: those that
 * go to the register kernel (gemm_kernel.h; untransposed B in cache, A plain or, for the
 * shortest sums, transposed), with 16-column right edges, k cut into blocks, and leading
 * dimensions wider than the matrices; and some that stay with BLAS. Each element must lie
 * within the error bound of a float32 dot product of k terms summed in any order,
 * |c - ref| <= gamma_k * sum |a||b| with gamma_k = k u / (1 - k u), u = 2^-24, which
 * holds for every correct kernel on every machine (a bound relative to the installed
 * BLAS does not: its error depends on the kernel OpenBLAS picks for the CPU). That bound
 * is loose for long sums, so the error relative to max |ref| must also stay within
 * 4 sqrt(k) u: on these random operands even one accumulator over all of k (the least
 * accurate order) lands near sqrt(k) u. The result must also give the same bits for 1 and 2 threads and leave C outside its m x n
 * part alone. BLAS's own error is printed beside ddad's for comparison. */
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

/* The largest |c - ref| / (gamma_k * sum |a||b|) over the m x n part: at most 1 for any
 * summation order. */
static double bound_ratio(int m, int n, int k, const float *c, int ldc, const double *ref, const double *absref)
{
    const double u = ldexp(1.0, -24), gamma = k * u / (1.0 - k * u);
    double worst = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            const double d = fabs((double)c[(size_t)i * ldc + j] - ref[(size_t)i * n + j]);
            const double r = d / (gamma * absref[(size_t)i * n + j] + 1e-300);
            if (!(r <= worst)) worst = r;   /* NaN wins */
        }
    return worst;
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
    double *ref = malloc(sizeof(double) * m * n), *absref = malloc(sizeof(double) * m * n);
    fill(a, na, 1);
    fill(b, nb, 2);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0.0, abs_acc = 0.0;
            for (int p = 0; p < k; p++) {
                const double t = (double)(ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]) *
                                 (tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
                acc += t;
                abs_acc += fabs(t);
            }
            ref[(size_t)i * n + j] = acc;
            absref[(size_t)i * n + j] = abs_acc;
        }
    for (size_t i = 0; i < nc; i++) c1[i] = c2[i] = -7.0f;   /* the padding must stay */
    ddad_nn_set_threads(1);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c1, ldc);
    ddad_nn_set_threads(2);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c2, ldc);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda,
                b, ldb, 0.0f, cb, ldc);
    const double e = rel(m, n, c1, ldc, ref), eb = rel(m, n, cb, ldc, ref);
    const double bound = bound_ratio(m, n, k, c1, ldc, ref, absref);
    int pad_kept = 1;
    for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++) pad_kept &= c1[(size_t)i * ldc + j] == -7.0f;
    printf("sgemm %c%c %5d x %5d x %5d (pad %d): rel %.2e, BLAS %.2e; %.3f of the error bound\n", ta ? 'T' : 'N',
           tb ? 'T' : 'N', m, n, k, pad, e, eb, bound);
    CHECK(bound <= 1.0, "%c%c %d x %d x %d: an element is %.3g times the float32 error bound", ta ? 'T' : 'N',
          tb ? 'T' : 'N', m, n, k, bound);
    const double typical = 4.0 * sqrt((double)k) * ldexp(1.0, -24);
    CHECK(e <= typical, "%c%c %d x %d x %d: rel %.3e > 4 sqrt(k) u = %.3e", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
          e, typical);
    CHECK(memcmp(c1, c2, sizeof(float) * nc) == 0, "%d x %d x %d: 1 and 2 threads differ", m, n, k);
    CHECK(pad_kept, "%d x %d x %d: wrote outside C's columns", m, n, k);
    free(a), free(b), free(c1), free(c2), free(cb), free(ref), free(absref);
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

#include "nn/gemm.h"

#include <cblas.h>

#include "nn/gemm_kernel.h"

/* Columns of C per own-kernel tile: two vectors. */
#define OWN_TN (2 * DDAD_GK_LANES)

/* Whether C = op(A) B goes to the register kernel: B untransposed (its rows are the
 * kernel's vectors), overwritten C, whole kernel rows and vectors. OpenBLAS packs both
 * operands at every call; the kernel reads them where they lie, which wins (1.4-4x,
 * bench_cpu_kernels: the AE's layer shapes at 2 threads) when B is in cache: at most 1 M floats, the
 * convolutions' column matrices and the small Linear layers. A B streamed from memory
 * (the 2048 x 1024 Linear weights) is read faster packed, and with A transposed the
 * kernel's strided A only wins for the shortest sums. AVX-512 builds only: elsewhere the
 * 16-float vectors split and spill. */
static int own_kernel_applies(int trans_a, int trans_b, int m, int n, int k, float alpha, float beta)
{
#ifdef __AVX512F__
    if (trans_b || alpha != 1.0f || beta != 0.0f || m % DDAD_GK_ROWS != 0 || n % DDAD_GK_LANES != 0) return 0;
    if ((size_t)k * (size_t)n > ((size_t)1 << 20)) return 0;
    return !trans_a || k <= 16;
#else
    (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)beta;
    return 0;
#endif
}

/* How a sum over k is cut into blocks, each summed in registers and then added into C:
 * as OpenBLAS's Skylake-X SGEMM does it for the BLAS call that ddad_sgemm's tiling makes
 * for that part of C, so that the kernel gives OpenBLAS's bits where OpenBLAS runs that
 * kernel (its Haswell kernel, chosen on other CPUs or by OPENBLAS_CORETYPE, sums in
 * another order: the results then differ by rounding, which every test allows). A call of at most
 * 1e6 multiply-adds goes to OpenBLAS's small-matrix kernel, one sum over all of k; a
 * larger one sums blocks of up to 448 terms, a rest under two blocks halved and rounded up
 * to 16. (One accumulator over 2048 terms also doubled the AE-U's gradient errors
 * against float64.) */
#define OWN_KQ 448
#define OWN_SMALL_MNK 1e6

static int k_block(int rest)
{
    if (rest >= 2 * OWN_KQ) return OWN_KQ;
    if (rest > OWN_KQ) return (rest / 2 + 15) / 16 * 16;
    return rest;
}

/* Whether BLAS would sum the tile at (i0, j0) of C [m x n] in one block. */
static int one_block(int m, int n, int k, int i0, int j0)
{
    const int ti = i0 / DDAD_GEMM_TM * DDAD_GEMM_TM, tj = j0 / DDAD_GEMM_TN * DDAD_GEMM_TN;
    const int mi = m - ti < DDAD_GEMM_TM ? m - ti : DDAD_GEMM_TM, nj = n - tj < DDAD_GEMM_TN ? n - tj : DDAD_GEMM_TN;
    return (double)mi * nj * k <= OWN_SMALL_MNK || k <= OWN_KQ;
}

/* C = op(A) B by the register kernel: tiles of 8 rows x 32 columns (16 at the right edge),
 * each a sum over k in blocks (one_block, k_block) in order, so the result does not depend
 * on which thread takes a tile. Consecutive tiles share B's column panel (k x 32), which
 * stays in L1 or L2 while the row blocks of A pass. */
static void own_sgemm(int trans_a, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                      int ldc)
{
    const int row_blocks = m / DDAD_GK_ROWS, panels = (n + OWN_TN - 1) / OWN_TN;
    /* op(A)[i][j] = a[i * lda + j], or a[j * lda + i] when transposed */
    const size_t rs = trans_a ? 1 : (size_t)lda, js = trans_a ? (size_t)lda : 1;
    const long tiles = (long)row_blocks * panels;
#pragma omp parallel for schedule(static) if (tiles > 1)
    for (long t = 0; t < tiles; t++) {
        const int j0 = (int)(t / row_blocks) * OWN_TN, i0 = (int)(t % row_blocks) * DDAD_GK_ROWS;
        float *ct = c + (size_t)i0 * ldc + j0;
        const int whole = one_block(m, n, k, i0, j0);
        for (int p0 = 0, len; p0 < k; p0 += len) {
            len = whole ? k : k_block(k - p0);
            const float *at = a + (size_t)i0 * rs + (size_t)p0 * js, *bt = b + (size_t)p0 * ldb + j0;
            if (n - j0 >= OWN_TN)
                ddad_gemm_kernel(len, 2, at, rs, js, bt, (size_t)ldb, ct, (size_t)ldc, p0 > 0);
            else
                ddad_gemm_kernel(len, 1, at, rs, js, bt, (size_t)ldb, ct, (size_t)ldc, p0 > 0);
        }
    }
}

void ddad_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k > 0 && own_kernel_applies(trans_a, trans_b, m, n, k, alpha, beta)) {
        own_sgemm(trans_a, m, n, k, a, lda, b, ldb, c, ldc);
        return;
    }
    const int tm = (m + DDAD_GEMM_TM - 1) / DDAD_GEMM_TM, tn = (n + DDAD_GEMM_TN - 1) / DDAD_GEMM_TN;
    const int tiles = tm * tn;
#pragma omp parallel for schedule(dynamic, 1) if (tiles > 1)
    for (int t = 0; t < tiles; t++) {
        int i0 = (t / tn) * DDAD_GEMM_TM, j0 = (t % tn) * DDAD_GEMM_TN;
        int mi = m - i0 < DDAD_GEMM_TM ? m - i0 : DDAD_GEMM_TM;
        int nj = n - j0 < DDAD_GEMM_TN ? n - j0 : DDAD_GEMM_TN;
        /* rows i0.. of op(A); columns j0.. of op(B) */
        const float *at = trans_a ? a + i0 : a + (size_t)i0 * lda;
        const float *bt = trans_b ? b + (size_t)j0 * ldb : b + j0;
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, mi, nj,
                    k, alpha, at, lda, bt, ldb, beta, c + (size_t)i0 * ldc + j0, ldc);
    }
}

#include "nn/gemm.h"

#include <cblas.h>

void ddad_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
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

// ddad_sgemm_gpu for the CPU emulator: the column-major BLAS definition, summed in double
// (so not cuBLAS's bits, only its result to rounding), C not read when beta == 0 (as cuBLAS,
// so a NaN-poisoned output stays a valid test), and the arguments cuBLAS would refuse
// (CUBLAS_STATUS_INVALID_VALUE) refused too.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cuda/gemm_gpu.h"

extern "C" void ddad_sgemm_gpu(ddad_gpu_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, long long stride_a, const float *b, int ldb,
                               long long stride_b, float beta, float *c, int ldc, long long stride_c, int batch)
{
    (void)ctx;
    const char *bad = NULL;
    if (m < 0 || n < 0 || k < 0) bad = "a negative dimension";
    else if (batch < 0) bad = "a negative batch count";
    else if (lda < (trans_a ? (k > 1 ? k : 1) : (m > 1 ? m : 1))) bad = "lda below the rows of A as stored";
    else if (ldb < (trans_b ? (n > 1 ? n : 1) : (k > 1 ? k : 1))) bad = "ldb below the rows of B as stored";
    else if (ldc < (m > 1 ? m : 1)) bad = "ldc below m";
    if (bad) {
        fprintf(stderr, "ddad_sgemm_gpu (emulated): %s (m %d n %d k %d, lda %d ldb %d ldc %d, trans %d%d, batch %d): "
                        "cuBLAS would return CUBLAS_STATUS_INVALID_VALUE\n",
                bad, m, n, k, lda, ldb, ldc, trans_a, trans_b, batch);
        exit(1);
    }
    for (int q = 0; q < batch; q++) {
        const float *A = a + q * stride_a, *B = b + q * stride_b;
        float *C = c + q * stride_c;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double acc = 0.0;
                for (int l = 0; l < k; l++) {
                    // op(A)[i][l], op(B)[l][j], column-major storage
                    const float av = trans_a ? A[(size_t)i * lda + l] : A[(size_t)l * lda + i];
                    const float bv = trans_b ? B[(size_t)l * ldb + j] : B[(size_t)j * ldb + l];
                    acc += (double)av * bv;
                }
                float *out = &C[(size_t)j * ldc + i];
                *out = beta == 0.0f ? (float)(alpha * acc) : (float)(alpha * acc + (double)beta * *out);
            }
    }
}

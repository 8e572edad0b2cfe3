// ddad_sgemm_gpu for the CPU emulator: the column-major BLAS definition, summed in double,
// C not read when beta == 0 (as cuBLAS, so a NaN-poisoned output stays a valid test).
#include <stddef.h>

#include "cuda/gemm_gpu.h"

extern "C" void ddad_sgemm_gpu(ddad_gpu_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, long long stride_a, const float *b, int ldb,
                               long long stride_b, float beta, float *c, int ldc, long long stride_c, int batch)
{
    (void)ctx;
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

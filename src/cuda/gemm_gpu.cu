// ddad_sgemm_gpu on cuBLAS: one call, batched or not.
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/gemm_gpu.h"

extern "C" void ddad_sgemm_gpu(ddad_gpu_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, long long stride_a, const float *b, int ldb,
                               long long stride_b, float beta, float *c, int ldc, long long stride_c, int batch)
{
    const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    if (batch == 1)
        DDAD_CHECK_CUBLAS(cublasSgemm(ctx->cublas, op_a, op_b, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
    else
        DDAD_CHECK_CUBLAS(cublasSgemmStridedBatched(ctx->cublas, op_a, op_b, m, n, k, &alpha, a, lda, stride_a, b, ldb,
                                                    stride_b, &beta, c, ldc, stride_c, batch));
}

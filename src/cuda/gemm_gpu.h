/* The one GEMM entry point of the CUDA code: cuBLAS's column-major strided-batched SGEMM,
 *   C_b = alpha * op(A_b) * op(B_b) + beta * C_b,  b = 0 .. batch-1,
 * with X_b = X + b * strideX, op(X) = X or X^T (trans_x 0 or 1), and C not read when
 * beta == 0. The math mode (fp32 or tf32) is the context's. Linear layers and the GEMM
 * convolutions call it; the tests' CPU emulator supplies its own (tests/gpu/emu). */
#ifndef DDAD_CUDA_GEMM_GPU_H
#define DDAD_CUDA_GEMM_GPU_H

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

void ddad_sgemm_gpu(ddad_gpu_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                    int lda, long long stride_a, const float *b, int ldb, long long stride_b, float beta, float *c,
                    int ldc, long long stride_c, int batch);

#ifdef __cplusplus
}
#endif

#endif

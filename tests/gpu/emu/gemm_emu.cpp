// ddad_sgemm_gpu for the CPU emulator: cuBLAS's column-major GEMM done by the CPU path's
// row-major one (nn/gemm.h; BLAS semantics, so C is not read when beta == 0 and a
// NaN-poisoned output stays a valid test), with the arguments cuBLAS would refuse
// (CUBLAS_STATUS_INVALID_VALUE) refused too.
#include "simt_emu.h"   // first: it defines the launch macros

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cuda/gemm_gpu.h"

extern "C" {
#include "nn/gemm.h"
}

extern "C" void ddad_sgemm_gpu(ddad_gpu_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, long long stride_a, const float *b, int ldb,
                               long long stride_b, float beta, float *c, int ldc, long long stride_c, int batch)
{
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
    // column-major C = op(A) op(B) is row-major C^T = op(B)^T op(A)^T: the CPU path's GEMM
    // (on the context's stream, as cublasSetStream binds it: recorded while it is captured)
    ddad_emu_enqueue(ctx->stream, "ddad_sgemm_gpu", [=]() {
        for (int q = 0; q < batch; q++)
            ddad_sgemm(trans_b, trans_a, n, m, k, alpha, b + q * stride_b, ldb, a + q * stride_a, lda, beta,
                       c + q * stride_c, ldc);
    });
}

/* Row-major single-precision GEMM: C = alpha * op(A) op(B) + beta * C, op(A) m x k,
 * op(B) k x n. One place to swap the BLAS.
 *
 * C is cut into fixed tiles (DDAD_GEMM_TM x DDAD_GEMM_TN) that the OpenMP threads share,
 * each tile one single-threaded BLAS call over the full k. The tiles do not depend on the
 * thread count, so neither does any result bit; and the kernels use one thread pool
 * (OpenMP) instead of OpenMP and OpenBLAS's own threads competing for the cores. */
#ifndef DDAD_NN_GEMM_H
#define DDAD_NN_GEMM_H

/* 512 columns: the AE's chunked GEMMs have 768-8192 columns, and wider tiles left one of
 * two threads idle */
#define DDAD_GEMM_TM 256
#define DDAD_GEMM_TN 512

void ddad_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

#endif

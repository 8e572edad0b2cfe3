/* Row-major single-precision GEMM: C = alpha * op(A) op(B) + beta * C, op(A) m x k,
 * op(B) k x n. One place to swap the BLAS. OpenBLAS splits the work over m and n only,
 * never over k, so the result does not depend on the thread count
 * (tests/nn/test_determinism.c checks this). */
#ifndef DDAD_NN_GEMM_H
#define DDAD_NN_GEMM_H

void ddad_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

#endif

/* The register-blocked GEMM kernel of the CPU path: 8 rows x 16 or 32 columns of C in
 * 16-float vector accumulators, summing over j in order with one multiply-add per term.
 * Used where BLAS would pack its operands at every call: the blocked Winograd path
 * (conv_winograd_fused.c) and ddad_sgemm's products with an untransposed B (gemm.c).
 * Written for AVX-512 (16 zmm accumulators); other builds keep BLAS. */
#ifndef DDAD_NN_GEMM_KERNEL_H
#define DDAD_NN_GEMM_KERNEL_H

#include <stddef.h>
#include <string.h>

#define DDAD_GK_LANES 16   /* floats per vector */
#define DDAD_GK_ROWS 8     /* rows of C per call */

typedef float ddad_v16f __attribute__((vector_size(DDAD_GK_LANES * sizeof(float))));

static inline ddad_v16f ddad_gk_ld(const float *p)
{
    ddad_v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void ddad_gk_st(float *p, ddad_v16f v) { memcpy(p, &v, sizeof v); }

/* out[r * ldo + 0 .. nv*16) (=, or += when add) sum over j < len, in order of j, of
 * a[r * a_rows_stride + j * a_j_stride] * b[j * ldb + 0 .. nv*16), for r < 8; nv is 1 or
 * 2. Inlined, so that nv, add and the strides are constants where the caller's are. */
static inline __attribute__((always_inline)) void ddad_gemm_kernel(int len, int nv, const float *a,
                                                                   size_t a_rows_stride, size_t a_j_stride,
                                                                   const float *b, size_t ldb, float *out, size_t ldo,
                                                                   int add)
{
    ddad_v16f acc[DDAD_GK_ROWS][2];
#pragma GCC unroll 8
    for (int r = 0; r < DDAD_GK_ROWS; r++) acc[r][0] = acc[r][1] = (ddad_v16f){0};
    for (int j = 0; j < len; j++) {
        const ddad_v16f b0 = ddad_gk_ld(b + (size_t)j * ldb);
        const ddad_v16f b1 = nv == 2 ? ddad_gk_ld(b + (size_t)j * ldb + DDAD_GK_LANES) : (ddad_v16f){0};
#pragma GCC unroll 8
        for (int r = 0; r < DDAD_GK_ROWS; r++) {
            const float s = a[(size_t)r * a_rows_stride + (size_t)j * a_j_stride];
            acc[r][0] += s * b0;
            if (nv == 2) acc[r][1] += s * b1;
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < DDAD_GK_ROWS; r++) {
        float *o = out + (size_t)r * ldo;
        if (add) {
            ddad_gk_st(o, ddad_gk_ld(o) + acc[r][0]);
            if (nv == 2) ddad_gk_st(o + DDAD_GK_LANES, ddad_gk_ld(o + DDAD_GK_LANES) + acc[r][1]);
        } else {
            ddad_gk_st(o, acc[r][0]);
            if (nv == 2) ddad_gk_st(o + DDAD_GK_LANES, acc[r][1]);
        }
    }
}

#endif

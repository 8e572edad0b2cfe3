// Discrepancy maps: one thread per pixel, member sums in member order as the CPU does.
#include <math.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"
#include "cuda/maps_gpu.h"

// Output element of sample i, pixel p is at out + i * stride + p (stride hw for plain
// maps, C_in * hw for the refiner input's channels).
__global__ void k_maps(const float *__restrict__ outs, int K, int C, int nb, size_t hw, const float *__restrict__ x,
                       float *rec, float *intra, float *inter, size_t stride)
{
    const size_t member_stride = (size_t)nb * C * hw, total = (size_t)nb * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        const size_t i = t / hw, p = t % hw;
        const size_t at = i * C * hw + p, o = i * stride + p;
        float sb = 0.0f, sa = 0.0f, sv = 0.0f;
        for (int k = 0; k < K; k++) {
            sb += outs[(size_t)k * member_stride + at];
            sa += outs[(size_t)(K + k) * member_stride + at];
            if (C == 2) sv += expf(outs[(size_t)k * member_stride + at + hw]);
        }
        const float mu_b = sb / (float)K, mu_a = sa / (float)K;
        const float v = C == 2 ? sv / (float)K : 1.0f;
        if (rec) {
            float d = x[t] - mu_b;
            rec[o] = C == 2 ? __fmul_rn(d, d) / v : __fmul_rn(d, d);
        }
        if (intra) {
            double m = 0.0, ss = 0.0;
            for (int k = 0; k < K; k++) m += outs[(size_t)k * member_stride + at];
            m /= K;
            for (int k = 0; k < K; k++) {
                double d = outs[(size_t)k * member_stride + at] - m;
                ss = __dadd_rn(ss, __dmul_rn(d, d));
            }
            float sd = (float)sqrt(ss / (K - 1));
            intra[o] = C == 2 ? sd / sqrtf(v) : sd;
        }
        if (inter) {
            float d = fabsf(mu_a - mu_b);
            inter[o] = C == 2 ? d / sqrtf(v) : d;
        }
    }
}

extern "C" void ddad_discrepancy_maps_gpu(ddad_gpu_ctx *ctx, const float *outs, int K, int C, int nb, size_t hw,
                                          const float *x, float *rec, float *intra, float *inter)
{
    if (K < 2) ddad_fatal(DDAD_EXIT_USAGE, "discrepancy maps need K >= 2 members per module, got %d", K);
    DDAD_LAUNCH(k_maps, ddad_blocks((size_t)nb * hw), DDAD_THREADS, ctx->stream, outs, K, C, nb, hw, x, rec, intra,
                inter, hw);
    DDAD_CHECK_LAUNCH("discrepancy maps");
}

extern "C" void ddad_refine_input_gpu(ddad_gpu_ctx *ctx, const float *outs, int K, int C, int nb, size_t hw, int dual,
                                      float *in)
{
    if (K < 2) ddad_fatal(DDAD_EXIT_USAGE, "discrepancy maps need K >= 2 members per module, got %d", K);
    const size_t stride = (dual ? 2 : 1) * hw;
    float *inter = dual ? in : NULL, *intra = dual ? in + hw : in;
    DDAD_LAUNCH(k_maps, ddad_blocks((size_t)nb * hw), DDAD_THREADS, ctx->stream, outs, K, C, nb, hw, NULL, NULL, intra,
                inter, stride);
    DDAD_CHECK_LAUNCH("refiner input maps");
}

#include "pipeline/maps.h"

#include <math.h>

void ddad_discrepancy_maps(const float *outs, int K, int C, int nb, size_t hw, const float *x, float *rec,
                           float *intra, float *inter)
{
    size_t member_stride = (size_t)nb * (size_t)C * hw;
    for (int i = 0; i < nb; i++) {
        for (size_t p = 0; p < hw; p++) {
            size_t at = (size_t)i * (size_t)C * hw + p;
            /* Means as float sums in member order (what torch.mean does for a few members). */
            float sb = 0.0f, sa = 0.0f, sv = 0.0f;
            for (int k = 0; k < K; k++) {
                sb += outs[(size_t)k * member_stride + at];
                sa += outs[(size_t)(K + k) * member_stride + at];
                if (C == 2) sv += expf(outs[(size_t)k * member_stride + at + hw]);
            }
            float mu_b = sb / (float)K, mu_a = sa / (float)K;
            float v = C == 2 ? sv / (float)K : 1.0f;
            size_t o = (size_t)i * hw + p;
            if (rec) {
                float d = x[o] - mu_b;
                rec[o] = C == 2 ? d * d / v : d * d;
            }
            if (intra) {
                double m = 0.0, ss = 0.0;
                for (int k = 0; k < K; k++) m += outs[(size_t)k * member_stride + at];
                m /= K;
                for (int k = 0; k < K; k++) {
                    double d = outs[(size_t)k * member_stride + at] - m;
                    ss += d * d;
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
}

float ddad_map_mean(const float *map, size_t hw)
{
    double s = 0.0;
    for (size_t p = 0; p < hw; p++) s += map[p];
    return (float)(s / (double)hw);
}

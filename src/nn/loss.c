#include "nn/loss.h"

#include <math.h>

#define DDAD_FOCAL_SMOOTH 1e-5f

float ddad_mse_loss(size_t count, const float *out, const float *x, float *grad)
{
    double acc = 0.0;
    float scale = (float)(2.0 / (double)count);
    for (size_t i = 0; i < count; i++) {
        float d = out[i] - x[i];
        acc += (double)d * d;
        if (grad) grad[i] = scale * d;
    }
    return (float)(acc / (double)count);
}

float ddad_aeu_loss(int n, int hw, const float *out, const float *x, float *grad, float *rec_err)
{
    const double m = (double)n * hw;
    const float inv_m = (float)(1.0 / m);
    double acc_w = 0.0, acc_lv = 0.0, acc_rec = 0.0;
    for (int i = 0; i < n; i++) {
        const float *mu = out + (size_t)i * 2 * hw, *lv = mu + hw, *xs = x + (size_t)i * hw;
        float *gmu = grad ? grad + (size_t)i * 2 * hw : NULL, *glv = gmu ? gmu + hw : NULL;
        for (int p = 0; p < hw; p++) {
            float d = mu[p] - xs[p];
            float w = expf(-lv[p]);
            float sq = d * d;
            acc_w += (double)(w * sq);
            acc_lv += lv[p];
            acc_rec += (double)sq;
            if (grad) {
                gmu[p] = 2.0f * w * d * inv_m;
                glv[p] = (1.0f - w * sq) * inv_m;
            }
        }
    }
    if (rec_err) *rec_err = (float)(acc_rec / m);
    return (float)(acc_w / m + acc_lv / m);
}

float ddad_focal_loss(int n, int hw, const float *prob, const uint8_t *target, double norm_count, float *grad)
{
    const float s = DDAD_FOCAL_SMOOTH;
    const float inv = (float)(1.0 / norm_count);
    double acc = 0.0;
    for (int i = 0; i < n; i++) {
        const float *p0 = prob + (size_t)i * 2 * hw, *p1 = p0 + hw;
        const uint8_t *t = target + (size_t)i * hw;
        float *g0 = grad ? grad + (size_t)i * 2 * hw : NULL, *g1 = g0 ? g0 + hw : NULL;
        for (int p = 0; p < hw; p++) {
            /* one-hot clamped to [s/(C-1), 1-s], C = 2 */
            float o0 = t[p] ? s : 1.0f - s, o1 = t[p] ? 1.0f - s : s;
            float pt = o0 * p0[p] + o1 * p1[p] + s;
            float lp = logf(pt);
            float q = 1.0f - pt;
            acc += (double)(-(q * q) * lp);
            if (grad) {
                /* d/dpt of -(1-pt)^2 log(pt) */
                float dpt = (2.0f * q * lp - q * q / pt) * inv;
                g0[p] = dpt * o0;
                g1[p] = dpt * o1;
            }
        }
    }
    return (float)(acc / norm_count);
}

#include "nn/softmax.h"

#include <math.h>
#include <stddef.h>

void ddad_softmax_channels_forward(int n, int c, int hw, const float *x, float *y)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const float *xs = x + (size_t)i * c * hw;
        float *ys = y + (size_t)i * c * hw;
        for (int p = 0; p < hw; p++) {
            float m = xs[p];
            for (int ch = 1; ch < c; ch++)
                if (xs[(size_t)ch * hw + p] > m) m = xs[(size_t)ch * hw + p];
            float sum = 0.0f;
            for (int ch = 0; ch < c; ch++) {
                float e = expf(xs[(size_t)ch * hw + p] - m);
                ys[(size_t)ch * hw + p] = e;
                sum += e;
            }
            float inv = 1.0f / sum;
            for (int ch = 0; ch < c; ch++) ys[(size_t)ch * hw + p] *= inv;
        }
    }
}

void ddad_softmax_channels_backward(int n, int c, int hw, const float *y, const float *dy, float *dx)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const float *ys = y + (size_t)i * c * hw, *gs = dy + (size_t)i * c * hw;
        float *ds = dx + (size_t)i * c * hw;
        for (int p = 0; p < hw; p++) {
            float dot = 0.0f;
            for (int ch = 0; ch < c; ch++) dot += ys[(size_t)ch * hw + p] * gs[(size_t)ch * hw + p];
            for (int ch = 0; ch < c; ch++) {
                size_t k = (size_t)ch * hw + p;
                ds[k] = ys[k] * (gs[k] - dot);
            }
        }
    }
}

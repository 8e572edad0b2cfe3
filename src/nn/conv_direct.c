#include "nn/conv_direct.h"

#include <string.h>

/* Output rows oy whose input row oy + i - pad lies in [0, h): [*lo, *hi). */
static void valid_rows(const ddad_conv_shape *s, int i, int *lo, int *hi)
{
    int a = s->pad - i, b = s->h + s->pad - i;
    if (a < 0) a = 0;
    if (b > s->oh) b = s->oh;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* Row iy of plane xp into rbuf[pad .. pad + w), with zeros on both sides, so that every
 * kernel column j reads the full output row as rbuf[j .. j + ow): no edge cases inside
 * the vectorised loops. */
static void padded_row(const ddad_conv_shape *s, const float *xp, int iy, float *rbuf)
{
    const int width = s->ow + s->kw - 1;
    int lo = s->pad < width ? s->pad : width, hi = s->pad + s->w < width ? s->pad + s->w : width;
    for (int q = 0; q < lo; q++) rbuf[q] = 0.0f;
    memcpy(rbuf + lo, xp + (size_t)iy * s->w, sizeof(float) * (size_t)(hi - lo));
    for (int q = hi; q < width; q++) rbuf[q] = 0.0f;
}

/* The forward pass with weights given as w[k][c][kh][kw]; tasks are (sample, k). */
static void forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y)
{
    const int C = s->c, K = s->k, kk = s->kh * s->kw, ohw = s->oh * s->ow, ow = s->ow;
    const size_t in_sz = (size_t)C * s->h * s->w;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < n * K; t++) {
        const int smp = t / K, k = t % K;
        float rbuf[s->ow + s->kw - 1];
        float *yp = y + (size_t)t * ohw;
        memset(yp, 0, sizeof(float) * ohw);
        for (int c = 0; c < C; c++) {
            const float *xp = x + (size_t)smp * in_sz + (size_t)c * s->h * s->w;
            const float *wk = w + ((size_t)k * C + c) * kk;
            /* every output sums over c, then kernel row i, then kernel column j */
            for (int i = 0; i < s->kh; i++) {
                int oy0, oy1;
                valid_rows(s, i, &oy0, &oy1);
                for (int oy = oy0; oy < oy1; oy++) {
                    padded_row(s, xp, oy + i - s->pad, rbuf);
                    float *yr = yp + (size_t)oy * ow;
                    for (int j = 0; j < s->kw; j++) {
                        const float wv = wk[i * s->kw + j];
                        const float *rb = rbuf + j;
                        for (int ox = 0; ox < ow; ox++) yr[ox] += wv * rb[ox];
                    }
                }
            }
        }
        if (b)
            for (int p = 0; p < ohw; p++) yp[p] += b[k];
    }
}

void ddad_conv_direct_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b,
                              float *y)
{
    forward(s, n, x, w, b, y);
}

void ddad_conv_direct_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                    float *w_flip)
{
    /* A stride-1 convolution's input gradient is the convolution of dy (K channels) with
     * the kernel flipped in both axes and its channel axes swapped, padded by k - 1 - pad. */
    const int C = s->c, K = s->k, kh = s->kh, kw = s->kw;
    for (int c = 0; c < C; c++)
        for (int k = 0; k < K; k++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    w_flip[(((size_t)c * K + k) * kh + i) * kw + j] =
                        w[(((size_t)k * C + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
    ddad_conv_shape t = ddad_conv_shape_make(s->n, K, s->oh, s->ow, C, kh, 1, kh - 1 - s->pad);
    forward(&t, n, dy, w_flip, NULL, dx);
}

void ddad_conv_direct_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy,
                                      double *dw_sum)
{
    const int C = s->c, K = s->k, kk = s->kh * s->kw, ohw = s->oh * s->ow, ow = s->ow;
    const size_t in_sz = (size_t)C * s->h * s->w;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < K * C; t++) {
        const int k = t / C, c = t % C;
        double *dw = dw_sum + (size_t)t * kk;
        float rbuf[s->ow + s->kw - 1];
        float prod[kk][s->ow];   /* per tap and output column: the sum over output rows */
        for (int q = 0; q < kk; q++) dw[q] = 0.0;
        for (int smp = 0; smp < n; smp++) {
            const float *xp = x + (size_t)smp * in_sz + (size_t)c * s->h * s->w;
            const float *gp = dy + ((size_t)smp * K + k) * ohw;
            memset(prod, 0, sizeof prod);
            for (int oy = 0; oy < s->oh; oy++) {
                const float *gr = gp + (size_t)oy * ow;
                for (int i = 0; i < s->kh; i++) {
                    const int iy = oy + i - s->pad;
                    if (iy < 0 || iy >= s->h) continue;
                    padded_row(s, xp, iy, rbuf);
                    for (int j = 0; j < s->kw; j++) {
                        float *pr = prod[i * s->kw + j];
                        const float *rb = rbuf + j;
                        for (int ox = 0; ox < ow; ox++) pr[ox] += gr[ox] * rb[ox];
                    }
                }
            }
            /* the sample's part is rounded to float, so that the double sums over samples
             * are exact and do not depend on how samples are grouped (across ranks) */
            for (int q = 0; q < kk; q++) {
                double acc = 0.0;
                for (int ox = 0; ox < ow; ox++) acc += prod[q][ox];
                dw[q] += (double)(float)acc;
            }
        }
    }
}

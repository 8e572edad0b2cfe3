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

/* ---- the vector path: output widths that are a multiple of VL ----
 * Each sample's input planes are copied once into a zero-padded scratch, so every kernel
 * tap reads a full vector without edge cases, and each output vector is accumulated in a
 * register over c, i, j (the same order as the row path) before one store. */
#define VL 16
typedef float vecf __attribute__((vector_size(VL * sizeof(float))));

static int vector_path(const ddad_conv_shape *s) { return s->ow % VL == 0; }

static inline __attribute__((always_inline)) vecf load_vec(const float *p)
{
    vecf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Padded planes of one sample: ph x pw each, the input at (pad, pad). */
static void pad_planes(const ddad_conv_shape *s, int channels, const float *x, float *xp)
{
    const int ph = s->oh + s->kh - 1, pw = s->ow + s->kw - 1;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < channels; c++) {
        float *dst = xp + (size_t)c * ph * pw;
        const float *src = x + (size_t)c * s->h * s->w;
        for (int r = 0; r < ph; r++) {
            const int iy = r - s->pad;
            float *d = dst + (size_t)r * pw;
            if (iy < 0 || iy >= s->h) {
                memset(d, 0, sizeof(float) * pw);
                continue;
            }
            /* columns: pad zeros, the row, zeros up to pw (pw >= pad + w for stride 1) */
            const int lo = s->pad < pw ? s->pad : pw, hi = s->pad + s->w < pw ? s->pad + s->w : pw;
            for (int q = 0; q < lo; q++) d[q] = 0.0f;
            memcpy(d + lo, src + (size_t)iy * s->w + (lo - s->pad), sizeof(float) * (size_t)(hi - lo));
            for (int q = hi; q < pw; q++) d[q] = 0.0f;
        }
    }
}

/* y [k][oh][ow] of one sample from its padded planes xp (C of them), weights [K][C][kh][kw].
 * Always inlined so that the 3x3 call below gets constant loop bounds (unrolled taps). */
static inline __attribute__((always_inline)) void forward_vec_rows(const ddad_conv_shape *s, const float *xp,
                                                                   const float *w, const float *b, float *y,
                                                                   int kh, int kw)
{
    const int C = s->c, K = s->k, kk = kh * kw, ph = s->oh + kh - 1, pw = s->ow + kw - 1;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < K * s->oh; t++) {
        const int k = t / s->oh, oy = t % s->oh;
        float *yr = y + ((size_t)k * s->oh + oy) * s->ow;
        int ox = 0;
        /* four vectors at a time: four independent accumulation chains (one would wait
         * on the previous multiply-add) */
        for (; ox + 4 * VL <= s->ow; ox += 4 * VL) {
            vecf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (int c = 0; c < C; c++) {
                const float *pc = xp + ((size_t)c * ph + oy) * pw + ox;
                const float *wk = w + ((size_t)k * C + c) * kk;
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) {
                        const float wv = wk[i * kw + j];
                        const float *q = pc + (size_t)i * pw + j;
                        a0 += wv * load_vec(q);
                        a1 += wv * load_vec(q + VL);
                        a2 += wv * load_vec(q + 2 * VL);
                        a3 += wv * load_vec(q + 3 * VL);
                    }
            }
            if (b) {
                a0 += b[k];
                a1 += b[k];
                a2 += b[k];
                a3 += b[k];
            }
            memcpy(yr + ox, &a0, sizeof a0);
            memcpy(yr + ox + VL, &a1, sizeof a1);
            memcpy(yr + ox + 2 * VL, &a2, sizeof a2);
            memcpy(yr + ox + 3 * VL, &a3, sizeof a3);
        }
        for (; ox < s->ow; ox += VL) {
            vecf acc = {0};
            for (int c = 0; c < C; c++) {
                const float *pc = xp + ((size_t)c * ph + oy) * pw + ox;
                const float *wk = w + ((size_t)k * C + c) * kk;
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) acc += wk[i * kw + j] * load_vec(pc + (size_t)i * pw + j);
            }
            if (b) acc += b[k];
            memcpy(yr + ox, &acc, sizeof acc);
        }
    }
}

static void forward_vec_sample(const ddad_conv_shape *s, const float *xp, const float *w, const float *b, float *y)
{
    if (s->kh == 3 && s->kw == 3)
        forward_vec_rows(s, xp, w, b, y, 3, 3);
    else
        forward_vec_rows(s, xp, w, b, y, s->kh, s->kw);
}

/* Floats of scratch the vector path needs: one sample's padded planes (input or dy side). */
static size_t vec_scratch_floats(const ddad_conv_shape *s)
{
    const size_t planes = (size_t)(s->c > s->k ? s->c : s->k);
    return planes * (size_t)(s->oh + s->kh - 1) * (size_t)(s->ow + s->kw - 1);
}

size_t ddad_conv_direct_scratch_floats(const ddad_conv_shape *s)
{
    /* padded planes of the forward (C of them) or of the input gradient (K, padded by
     * k - 1 - pad, which for stride 1 gives the same padded size) */
    return vec_scratch_floats(s);
}

void ddad_conv_direct_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b,
                              float *y, float *scratch)
{
    if (!vector_path(s) || !scratch) {
        forward(s, n, x, w, b, y);
        return;
    }
    const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * s->oh * s->ow;
    for (int i = 0; i < n; i++) {
        pad_planes(s, s->c, x + i * in_sz, scratch);
        forward_vec_sample(s, scratch, w, b, y + i * out_sz);
    }
}

void ddad_conv_direct_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                    float *w_flip, float *scratch)
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
    ddad_conv_direct_forward(&t, n, dy, w_flip, NULL, dx, scratch);
}

/* One sample's weight gradient from its padded planes, each (k, c) in VL lanes over
 * the output, reduced in double and rounded to float, added into dw_sum. */
static void weight_vec_sample(const ddad_conv_shape *s, const float *xp, const float *dy, double *dw_sum)
{
    const int C = s->c, K = s->k, kh = s->kh, kw = s->kw, kk = kh * kw;
    const int ph = s->oh + kh - 1, pw = s->ow + kw - 1;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < K * C; t++) {
        const int k = t / C, c = t % C;
        vecf acc[kk];
        for (int q = 0; q < kk; q++) acc[q] = (vecf){0};
        const float *g = dy + (size_t)k * s->oh * s->ow;
        const float *pc = xp + (size_t)c * ph * pw;
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox += VL) {
                const vecf gv = load_vec(g + (size_t)oy * s->ow + ox);
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) acc[i * kw + j] += gv * load_vec(pc + (size_t)(oy + i) * pw + ox + j);
            }
        double *dw = dw_sum + (size_t)t * kk;
        for (int q = 0; q < kk; q++) {
            float lanes[VL];
            memcpy(lanes, &acc[q], sizeof lanes);
            double sum = 0.0;
            for (int l = 0; l < VL; l++) sum += lanes[l];
            dw[q] += (double)(float)sum;   /* float per sample: exact double sums (sum_grain.h) */
        }
    }
}

void ddad_conv_direct_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy,
                                      double *dw_sum, float *scratch)
{
    if (vector_path(s) && scratch) {
        const size_t nw = (size_t)s->k * s->c * s->kh * s->kw;
        const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * s->oh * s->ow;
        for (size_t j = 0; j < nw; j++) dw_sum[j] = 0.0;
        for (int i = 0; i < n; i++) {
            pad_planes(s, s->c, x + i * in_sz, scratch);
            weight_vec_sample(s, scratch, dy + i * out_sz, dw_sum);
        }
        return;
    }
    ddad_conv_direct_backward_weight_rows(s, n, x, dy, dw_sum);
}

void ddad_conv_direct_backward_weight_rows(const ddad_conv_shape *s, int n, const float *x, const float *dy,
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

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

/* nv output vectors of row oy of channels k .. k + nk - 1 from column ox: each summed
 * over c, i, j (the row kernel's order) in its own chain; the nk channels share every
 * input load. Always inlined, so that the callers' constant nk, nv, kh, kw unroll the
 * loops and keep the accumulators in registers. */
static inline __attribute__((always_inline)) void output_vectors(const ddad_conv_shape *s, const float *xp,
                                                                 const float *w, const float *b, int k, int nk, int oy,
                                                                 int ox, int nv, int kh, int kw, float *yr,
                                                                 size_t ystride)
{
    const int C = s->c, ph = s->oh + kh - 1, pw = s->ow + kw - 1;
    /* fixed-size arrays and fully unrolled loops: GCC keeps a variable-length array of
     * vectors in memory (every multiply-add went through the stack) */
    vecf acc[4][4];
#pragma GCC unroll 4
    for (int m = 0; m < nk; m++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) acc[m][v] = (vecf){0};
    for (int c = 0; c < C; c++) {
        const float *pc = xp + ((size_t)c * ph + oy) * pw + ox;
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *q = pc + (size_t)i * pw + j;
                vecf in[4];
#pragma GCC unroll 4
                for (int v = 0; v < nv; v++) in[v] = load_vec(q + v * VL);
#pragma GCC unroll 4
                for (int m = 0; m < nk; m++) {
                    const float wv = w[(((size_t)(k + m) * C + c) * kh + i) * kw + j];
#pragma GCC unroll 4
                    for (int v = 0; v < nv; v++) acc[m][v] += wv * in[v];
                }
            }
    }
#pragma GCC unroll 4
    for (int m = 0; m < nk; m++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            if (b) acc[m][v] += b[k + m];
            memcpy(yr + (size_t)m * ystride + ox + v * VL, &acc[m][v], sizeof acc[m][v]);
        }
}

/* Task t = (block of up to KB channels, output row) of y [k][oh][ow] of one sample from
 * its padded planes xp (C of them), weights [K][C][kh][kw]: the block's channels share the
 * input loads; in a row, four vectors at a time (independent chains: one alone would wait
 * on each multiply-add), then the rest one by one. Inlined with constant kh, kw inside
 * the parallel loops, as weight_task. */
#define KB 4
static inline __attribute__((always_inline)) void forward_task(const ddad_conv_shape *s, const float *xp,
                                                               const float *w, const float *b, float *y, int t, int kh,
                                                               int kw)
{
    const size_t plane = (size_t)s->oh * s->ow;
    const int k = t / s->oh * KB, oy = t % s->oh, nk = s->k - k < KB ? s->k - k : KB;
    float *yr = y + (size_t)k * plane + (size_t)oy * s->ow;
    int ox = 0;
    if (nk == KB) {
        for (; ox + 4 * VL <= s->ow; ox += 4 * VL) output_vectors(s, xp, w, b, k, KB, oy, ox, 4, kh, kw, yr, plane);
        for (; ox < s->ow; ox += VL) output_vectors(s, xp, w, b, k, KB, oy, ox, 1, kh, kw, yr, plane);
    } else if (nk == 2) {
        for (; ox + 4 * VL <= s->ow; ox += 4 * VL) output_vectors(s, xp, w, b, k, 2, oy, ox, 4, kh, kw, yr, plane);
        for (; ox < s->ow; ox += VL) output_vectors(s, xp, w, b, k, 2, oy, ox, 1, kh, kw, yr, plane);
    } else {
        for (int m = 0; m < nk; m++) {
            for (ox = 0; ox + 4 * VL <= s->ow; ox += 4 * VL)
                output_vectors(s, xp, w, b, k + m, 1, oy, ox, 4, kh, kw, yr + m * plane, plane);
            for (; ox < s->ow; ox += VL) output_vectors(s, xp, w, b, k + m, 1, oy, ox, 1, kh, kw, yr + m * plane, plane);
        }
    }
}

static void forward_vec_sample(const ddad_conv_shape *s, const float *xp, const float *w, const float *b, float *y)
{
    const int tasks = (s->k + KB - 1) / KB * s->oh;
    if (s->kh == 3 && s->kw == 3) {
#pragma omp parallel for schedule(static)
        for (int t = 0; t < tasks; t++) forward_task(s, xp, w, b, y, t, 3, 3);
    } else {
#pragma omp parallel for schedule(static)
        for (int t = 0; t < tasks; t++) forward_task(s, xp, w, b, y, t, s->kh, s->kw);
    }
}

/* Floats of the padded planes the vector path needs for one sample: the forward's input
 * planes (C of them, (oh + kh - 1) x (ow + kw - 1)) or the input gradient's dy planes
 * (K of them, padded by k - 1 - pad to (h + kh - 1) x (w + kw - 1)). */
static size_t padded_floats(const ddad_conv_shape *s)
{
    const size_t planes = (size_t)(s->c > s->k ? s->c : s->k);
    const size_t rows = (size_t)(s->oh > s->h ? s->oh : s->h) + s->kh - 1;
    const size_t cols = (size_t)(s->ow > s->w ? s->ow : s->w) + s->kw - 1;
    return planes * rows * cols;
}

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

/* ws: the flipped kernel (for the input gradient), then the padded planes. */
static float *flip_area(float *ws) { return ws; }
static float *planes_area(const ddad_conv_shape *s, float *ws)
{
    return ws ? ws + round16((size_t)s->k * s->c * s->kh * s->kw) : NULL;
}

size_t ddad_conv_direct_workspace_floats(const ddad_conv_shape *s)
{
    return round16((size_t)s->k * s->c * s->kh * s->kw) + round16(padded_floats(s));
}

/* The forward with the padded planes at `planes` (NULL: the row kernel). */
static void forward_any(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                        float *planes)
{
    if (!vector_path(s) || !planes) {
        forward(s, n, x, w, b, y);
        return;
    }
    const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * s->oh * s->ow;
    for (int i = 0; i < n; i++) {
        pad_planes(s, s->c, x + i * in_sz, planes);
        forward_vec_sample(s, planes, w, b, y + i * out_sz);
    }
}

void ddad_conv_direct_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b,
                              float *y, float *ws)
{
    forward_any(s, n, x, w, b, y, planes_area(s, ws));
}

void ddad_conv_direct_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                    float *ws)
{
    float *w_flip = flip_area(ws);
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
    forward_any(&t, n, dy, w_flip, NULL, dx, planes_area(s, ws));
}

/* One sample's weight gradient for output channels k .. k + nk - 1 (nk <= 2) and input
 * channel c, from its padded planes: the kh x kw taps in VL lanes over the output, the nk
 * channels sharing each input load, reduced in double and rounded to float, added into
 * dw_sum. A (k, c) pair's sums run in the same order whatever nk is. Always inlined with
 * constant nk, kh, kw inside the callers' parallel loops (an OpenMP region is outlined
 * before inlining, so the constants must reach the body from inside it), with fixed-size
 * accumulator arrays: both keep the accumulators in registers. */
#define WG_TAPS 9   /* register-resident accumulators per channel: kernels up to 3 x 3 */
static inline __attribute__((always_inline)) void weight_task(const ddad_conv_shape *s, const float *xp,
                                                              const float *dy, double *dw_sum, int k, int nk, int c,
                                                              int kh, int kw)
{
    const int C = s->c, kk = kh * kw;
    const int ph = s->oh + kh - 1, pw = s->ow + kw - 1;
    vecf acc[2][WG_TAPS];
#pragma GCC unroll 2
    for (int m = 0; m < nk; m++)
#pragma GCC unroll 9
        for (int q = 0; q < kk; q++) acc[m][q] = (vecf){0};
    const size_t plane = (size_t)s->oh * s->ow;
    const float *g = dy + (size_t)k * plane;
    const float *pc = xp + (size_t)c * ph * pw;
    for (int oy = 0; oy < s->oh; oy++)
        for (int ox = 0; ox < s->ow; ox += VL) {
            vecf gv[2];
#pragma GCC unroll 2
            for (int m = 0; m < nk; m++) gv[m] = load_vec(g + (size_t)m * plane + (size_t)oy * s->ow + ox);
#pragma GCC unroll 3
            for (int i = 0; i < kh; i++)
#pragma GCC unroll 3
                for (int j = 0; j < kw; j++) {
                    const vecf xv = load_vec(pc + (size_t)(oy + i) * pw + ox + j);
#pragma GCC unroll 2
                    for (int m = 0; m < nk; m++) acc[m][i * kw + j] += gv[m] * xv;
                }
        }
    for (int m = 0; m < nk; m++) {
        double *dw = dw_sum + ((size_t)(k + m) * C + c) * kk;
        for (int q = 0; q < kk; q++) {
            float lanes[VL];
            memcpy(lanes, &acc[m][q], sizeof lanes);
            double sum = 0.0;
            for (int l = 0; l < VL; l++) sum += lanes[l];
            dw[q] += (double)(float)sum;   /* float per sample: exact double sums (sum_grain.h) */
        }
    }
}

/* The same, one (k, c) at a time, for kernels over WG_TAPS taps. */
static void weight_task_any(const ddad_conv_shape *s, const float *xp, const float *dy, double *dw_sum, int k, int c)
{
    const int C = s->c, kh = s->kh, kw = s->kw, kk = kh * kw;
    const int ph = s->oh + kh - 1, pw = s->ow + kw - 1;
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
    double *dw = dw_sum + ((size_t)k * C + c) * kk;
    for (int q = 0; q < kk; q++) {
        float lanes[VL];
        memcpy(lanes, &acc[q], sizeof lanes);
        double sum = 0.0;
        for (int l = 0; l < VL; l++) sum += lanes[l];
        dw[q] += (double)(float)sum;
    }
}

/* Tasks: pairs of output channels (and a last single one when K is odd) x input channels. */
static void weight_vec_sample(const ddad_conv_shape *s, const float *xp, const float *dy, double *dw_sum)
{
    const int C = s->c, K = s->k, pairs = K / 2;
    if (s->kh == 3 && s->kw == 3) {
#pragma omp parallel for schedule(static)
        for (int t = 0; t < (pairs + K % 2) * C; t++) {
            const int kp = t / C, c = t % C;
            if (kp < pairs)
                weight_task(s, xp, dy, dw_sum, 2 * kp, 2, c, 3, 3);
            else
                weight_task(s, xp, dy, dw_sum, K - 1, 1, c, 3, 3);
        }
    } else {
#pragma omp parallel for schedule(static)
        for (int t = 0; t < K * C; t++) weight_task_any(s, xp, dy, dw_sum, t / C, t % C);
    }
}

void ddad_conv_direct_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy,
                                      double *dw_sum, float *ws)
{
    float *scratch = planes_area(s, ws);
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

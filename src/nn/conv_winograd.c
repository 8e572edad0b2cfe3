#include "nn/conv_winograd.h"

#include <cblas.h>
#include <string.h>

#include "nn/gemm_kernel.h"   /* the 16-float vector type and its loads and stores */

/* F(4x4, 3x3) with points 0, 1, -1, 2, -1/2, infinity: Y = AT [(G g GT) . (BT d B)] A. */
#define TILE 4    /* output tile */
#define ALPHA 6   /* input tile = transform size */
#define NXI 36    /* ALPHA * ALPHA transform positions */

typedef ddad_v16f v16f;

static inline v16f ld16(const float *p) { return ddad_gk_ld(p); }
static inline void st16(float *p, v16f v) { ddad_gk_st(p, v); }

/* The transforms' arithmetic, written once for 16 lanes and for one (the same
 * expressions, so a lane gets the same bits either way). */
#define BT6(T, a0, a1, a2, a3, a4, a5, o0, o1, o2, o3, o4, o5)   \
    do {                                                         \
        const T r0 = a0 + 1.5f * a1 - 2.0f * a2 - 1.5f * a3 + a4; \
        const T r1 = -a1 - 2.5f * a2 - 0.5f * a3 + a4;            \
        const T r2 = a1 + 0.5f * a2 - 2.5f * a3 + a4;             \
        const T r3 = -0.5f * a1 - a2 + 0.5f * a3 + a4;            \
        const T r4 = 2.0f * a1 - a2 - 2.0f * a3 + a4;             \
        const T r5 = a1 + 1.5f * a2 - 2.0f * a3 - 1.5f * a4 + a5; \
        o0 = r0, o1 = r1, o2 = r2, o3 = r3, o4 = r4, o5 = r5;    \
    } while (0)
#define AT4(T, a0, a1, a2, a3, a4, a5, o0, o1, o2, o3)          \
    do {                                                        \
        const T r0 = a0 + a1 + a2 + a3 + a4;                    \
        const T r1 = a1 - a2 + 2.0f * a3 - 0.5f * a4;           \
        const T r2 = a1 + a2 + 4.0f * a3 + 0.25f * a4;          \
        const T r3 = a1 - a2 + 8.0f * a3 - 0.125f * a4 + a5;    \
        o0 = r0, o1 = r1, o2 = r2, o3 = r3;                     \
    } while (0)

/* o = BT d for six arrays of L values each (d[j][l] is the j-th input of lane l): 16
 * lanes at a time in explicit vectors (the compiler left the loop scalar, unable to rule
 * out that o overlaps d), then the tail. Inlined: most calls have L = 16. */
static inline __attribute__((always_inline)) void bt6(const float *const d[ALPHA], float *const o[ALPHA], int L)
{
    int l = 0;
    for (; l + 16 <= L; l += 16) {
        const v16f a0 = ld16(d[0] + l), a1 = ld16(d[1] + l), a2 = ld16(d[2] + l), a3 = ld16(d[3] + l),
                   a4 = ld16(d[4] + l), a5 = ld16(d[5] + l);
        v16f o0, o1, o2, o3, o4, o5;
        BT6(v16f, a0, a1, a2, a3, a4, a5, o0, o1, o2, o3, o4, o5);
        st16(o[0] + l, o0), st16(o[1] + l, o1), st16(o[2] + l, o2);
        st16(o[3] + l, o3), st16(o[4] + l, o4), st16(o[5] + l, o5);
    }
    for (; l < L; l++) {
        const float a0 = d[0][l], a1 = d[1][l], a2 = d[2][l], a3 = d[3][l], a4 = d[4][l], a5 = d[5][l];
        BT6(float, a0, a1, a2, a3, a4, a5, o[0][l], o[1][l], o[2][l], o[3][l], o[4][l], o[5][l]);
    }
}

/* o = AT m (6 -> 4) for arrays of L values, as bt6. */
static inline __attribute__((always_inline)) void at4(const float *const m[ALPHA], float *const o[TILE], int L)
{
    int l = 0;
    for (; l + 16 <= L; l += 16) {
        const v16f a0 = ld16(m[0] + l), a1 = ld16(m[1] + l), a2 = ld16(m[2] + l), a3 = ld16(m[3] + l),
                   a4 = ld16(m[4] + l), a5 = ld16(m[5] + l);
        v16f o0, o1, o2, o3;
        AT4(v16f, a0, a1, a2, a3, a4, a5, o0, o1, o2, o3);
        st16(o[0] + l, o0), st16(o[1] + l, o1), st16(o[2] + l, o2), st16(o[3] + l, o3);
    }
    for (; l < L; l++) {
        const float a0 = m[0][l], a1 = m[1][l], a2 = m[2][l], a3 = m[3][l], a4 = m[4][l], a5 = m[5][l];
        AT4(float, a0, a1, a2, a3, a4, a5, o[0][l], o[1][l], o[2][l], o[3][l]);
    }
}

/* G (6 x 3), in double for the weight transforms. */
static const double Gm[ALPHA][3] = {
    {1.0, 0.0, 0.0},
    {-1.0 / 3, -1.0 / 3, -1.0 / 3},
    {1.0 / 3, -1.0 / 3, 1.0 / 3},
    {1.0 / 15, 2.0 / 15, 4.0 / 15},
    {-16.0 / 15, 8.0 / 15, -4.0 / 15},
    {0.0, 0.0, 1.0},
};

/* F(2x2, 3x3): 4x4 input tiles at stride 2, G (4 x 3) in double. */
#define TILE2 2
#define ALPHA2 4
#define NXI2 16
#define G2 ddad_winograd_g2

typedef struct {
    int h, w, th, tw, tiles;   /* plane size, tile rows and columns, tiles per sample */
} geometry;

static geometry geom(const ddad_conv_shape *s)
{
    geometry g = {s->h, s->w, (s->h + TILE - 1) / TILE, (s->w + TILE - 1) / TILE, 0};
    g.tiles = g.th * g.tw;
    return g;
}

int ddad_winograd_applies(const ddad_conv_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 1 && s->pad == 1;
}

static int imax(int a, int b) { return a > b ? a : b; }

/* Per channel, the floats of one V or M region: 36 positions x the 4x4 tiles of a chunk
 * (input gradient), or 16 positions x the 2x2 tiles of a chunk (forward, weight gradient). */
static size_t vm_floats(const ddad_conv_shape *s, const geometry *g)
{
    const size_t nb = (size_t)(s->n < s->chunk ? s->n : s->chunk);
    const size_t f4 = (size_t)NXI * nb * g->tiles;
    const size_t f2 = (size_t)16 * nb * (size_t)((s->h + 1) / 2) * (size_t)((s->w + 1) / 2);
    return f4 > f2 ? f4 : f2;
}

size_t ddad_winograd_workspace_floats(const ddad_conv_shape *s)
{
    const geometry g = geom(s);
    const size_t kc = (size_t)s->k * s->c, cm = (size_t)imax(s->c, s->k);
    /* U, dU, the flipped kernel, then V and M (transformed in and out), sized for the
     * forward's 6x6 transforms of a chunk and the weight gradient's 4x4 ones of a sample */
    size_t floats = NXI * kc + NXI * kc + 9 * kc + 2 * cm * vm_floats(s, &g);
    return (floats + 15) / 16 * 16;   /* whole cache lines: what follows stays aligned */
}

/* Workspace regions (see ddad_winograd_workspace_floats). */
typedef struct {
    float *u, *du, *wflip, *v, *m;
} regions;

static regions carve(const ddad_conv_shape *s, float *ws)
{
    const geometry g = geom(s);
    const size_t kc = (size_t)s->k * s->c, cm = (size_t)imax(s->c, s->k);
    regions r;
    r.u = ws;
    r.du = r.u + NXI * kc;
    r.wflip = r.du + NXI * kc;
    r.v = r.wflip + 9 * kc;
    r.m = r.v + cm * vm_floats(s, &g);
    return r;
}

/* U[xi][o][i] = (G w[o][i] GT)[xi] for the weights w[o][i] of pair p = o * cin + i, with
 * G alpha x 3 (Gm for F(4x4), G2 for F(2x2)), in double, rounded to float. Inlined with
 * a constant alpha and table inside the parallel loops below, so that the compiler folds
 * G's zeros and ones (as a run-time table, 1.0% of a refiner step). */
static inline __attribute__((always_inline)) void weight_transform_pair(int alpha, const double (*G)[3], size_t oi,
                                                                        const float *w, float *u, size_t p)
{
    const float *g = w + p * 9;
    double t[ALPHA][3];   /* ALPHA: the larger transform */
    for (int a = 0; a < alpha; a++)
        for (int c = 0; c < 3; c++) t[a][c] = G[a][0] * g[c] + G[a][1] * g[3 + c] + G[a][2] * g[6 + c];
    for (int a = 0; a < alpha; a++)
        for (int b = 0; b < alpha; b++)
            u[(size_t)(a * alpha + b) * oi + p] = (float)(t[a][0] * G[b][0] + t[a][1] * G[b][1] + t[a][2] * G[b][2]);
}

/* U for all cout x cin pairs: F(4x4) (alpha ALPHA, table Gm) or F(2x2) (ALPHA2, G2). */
static void weight_transform(int alpha, int cout, int cin, const float *w, float *u)
{
    const size_t oi = (size_t)cout * cin;
    if (alpha == ALPHA) {
#pragma omp parallel for schedule(static)
        for (long p = 0; p < (long)oi; p++) weight_transform_pair(ALPHA, Gm, oi, w, u, (size_t)p);
    } else {
#pragma omp parallel for schedule(static)
        for (long p = 0; p < (long)oi; p++) weight_transform_pair(ALPHA2, G2, oi, w, u, (size_t)p);
    }
}

/* dst[q * nt + t] = row[stride * t + off + q] for q < stride, t < nt, zero where that
 * column is outside [0, w) or row is NULL (a padding row): a row split into its phases,
 * with the edge cases outside the copy loops. */
static void gather_phases(const float *row, int w, int stride, int off, int nt, float *dst)
{
    for (int q = 0; q < stride; q++) {
        float *d = dst + (size_t)q * nt;
        if (!row) {
            for (int t = 0; t < nt; t++) d[t] = 0.0f;
            continue;
        }
        const int c0 = off + q;   /* column of t = 0 */
        int t0 = c0 >= 0 ? 0 : (-c0 + stride - 1) / stride;
        int t1 = c0 <= w - 1 ? (w - 1 - c0) / stride + 1 : 0;
        if (t0 > nt) t0 = nt;
        if (t1 > nt) t1 = nt;
        if (t1 < t0) t1 = t0;
        for (int t = 0; t < t0; t++) d[t] = 0.0f;
        const float *src = row + c0;
        for (int t = t0; t < t1; t++) d[t] = src[(size_t)stride * t];
        for (int t = t1; t < nt; t++) d[t] = 0.0f;
    }
}

/* V[xi][off + t] (xi stride vs) = (BT d_t B)[xi] for every tile t of plane xp (pad 1). */
static void input_transform(const geometry *g, const float *xp, float *v, size_t vs, size_t off)
{
    const int tw = g->tw, L = 4 * (tw + 1);
    float rph[ALPHA][L], t[ALPHA][L];   /* rows in phase order: [q][tx'] at q*(tw+1)+tx' */
    float *tq[ALPHA];
    for (int a = 0; a < ALPHA; a++) tq[a] = t[a];
    for (int ty = 0; ty < g->th; ty++) {
        for (int i = 0; i < ALPHA; i++) {
            const int iy = TILE * ty - 1 + i;
            gather_phases(iy >= 0 && iy < g->h ? xp + (size_t)iy * g->w : NULL, g->w, TILE, -1, tw + 1, rph[i]);
        }
        const float *rp[ALPHA] = {rph[0], rph[1], rph[2], rph[3], rph[4], rph[5]};
        bt6(rp, tq, L);   /* along y */
        for (int a = 0; a < ALPHA; a++) {
            /* along x: input column j of tile tx is phase j % 4 at tx + j / 4 */
            const float *ph = t[a];
            const float *d[ALPHA] = {ph, ph + (tw + 1), ph + 2 * (tw + 1), ph + 3 * (tw + 1), ph + 1, ph + (tw + 1) + 1};
            float *o[ALPHA];
            for (int b = 0; b < ALPHA; b++) o[b] = v + (size_t)(a * ALPHA + b) * vs + off + (size_t)ty * tw;
            bt6(d, o, tw);
        }
    }
}

/* y plane (+ bias) = AT M_t A for every tile t, M[xi][off + t] with xi stride ms. */
static void output_transform(const geometry *g, const float *m, size_t ms, size_t off, float bias, float *yp)
{
    const int tw = g->tw;
    float s[ALPHA][TILE][tw], yt[TILE][TILE][tw];
    for (int ty = 0; ty < g->th; ty++) {
        for (int a = 0; a < ALPHA; a++) {   /* along x */
            const float *mp[ALPHA];
            for (int b = 0; b < ALPHA; b++) mp[b] = m + (size_t)(a * ALPHA + b) * ms + off + (size_t)ty * tw;
            float *o[TILE] = {s[a][0], s[a][1], s[a][2], s[a][3]};
            at4(mp, o, tw);
        }
        for (int j = 0; j < TILE; j++) {   /* along y */
            const float *sp[ALPHA] = {s[0][j], s[1][j], s[2][j], s[3][j], s[4][j], s[5][j]};
            float *o[TILE] = {yt[0][j], yt[1][j], yt[2][j], yt[3][j]};
            at4(sp, o, tw);
        }
        for (int i = 0; i < TILE; i++) {
            const int oy = TILE * ty + i;
            if (oy >= g->h) break;
            float *row = yp + (size_t)oy * g->w;
            const int full = g->w / TILE;   /* tiles whose four columns are all inside */
            for (int tx = 0; tx < full; tx++)
                for (int j = 0; j < TILE; j++) row[TILE * tx + j] = yt[i][j][tx] + bias;
            for (int tx = full; tx < tw; tx++)
                for (int j = 0; j < TILE; j++) {
                    const int ox = TILE * tx + j;
                    if (ox < g->w) row[ox] = yt[i][j][tx] + bias;
                }
        }
    }
}

/* out [n][cout][h][w] = conv(in [n][cin][h][w]) with transformed weights u; chunks of
 * `chunk` samples share one GEMM per transform position. */
static void convolve(const geometry *g, int n, int chunk, int cin, int cout, const float *in, const float *u,
                     const float *bias, float *out, float *v, float *m)
{
    const size_t plane = (size_t)g->h * g->w;
    for (int n0 = 0; n0 < n; n0 += chunk) {
        const int nb = n - n0 < chunk ? n - n0 : chunk;
        const size_t tn = (size_t)nb * g->tiles;
#pragma omp parallel for schedule(static)
        for (int p = 0; p < nb * cin; p++) {
            const int smp = p / cin, c = p % cin;
            input_transform(g, in + ((size_t)(n0 + smp) * cin + c) * plane, v, (size_t)cin * tn,
                            (size_t)c * tn + (size_t)smp * g->tiles);
        }
#pragma omp parallel for schedule(dynamic, 1)
        for (int xi = 0; xi < NXI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, (int)tn, cin, 1.0f, u + (size_t)xi * cout * cin,
                        cin, v + (size_t)xi * cin * tn, (int)tn, 0.0f, m + (size_t)xi * cout * tn, (int)tn);
#pragma omp parallel for schedule(static)
        for (int p = 0; p < nb * cout; p++) {
            const int smp = p / cout, k = p % cout;
            output_transform(g, m, (size_t)cout * tn, (size_t)k * tn + (size_t)smp * g->tiles, bias ? bias[k] : 0.0f,
                             out + ((size_t)(n0 + smp) * cout + k) * plane);
        }
    }
}

void ddad_winograd_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                           float *ws)
{
    const geometry g = geom(s);
    regions r = carve(s, ws);
    weight_transform(ALPHA, s->k, s->c, w, r.u);
    convolve(&g, n, s->chunk, s->c, s->k, x, r.u, b, y, r.v, r.m);
}

void ddad_winograd_flip(int k, int c, const float *w, float *wflip)
{
#pragma omp parallel for schedule(static) if ((size_t)k * c >= 4096)
    for (int ci = 0; ci < c; ci++)
        for (int ki = 0; ki < k; ki++)
            for (int q = 0; q < 9; q++) wflip[((size_t)ci * k + ki) * 9 + q] = w[((size_t)ki * c + ci) * 9 + (8 - q)];
}

void ddad_winograd_weights2(int cout, int cin, const float *w, float *u) { weight_transform(ALPHA2, cout, cin, w, u); }

void ddad_winograd_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                 float *ws)
{
    /* stride 1, pad 1: dx is dy convolved with the kernel flipped and its channels swapped */
    const geometry g = geom(s);
    regions r = carve(s, ws);
    const int C = s->c, K = s->k;
    ddad_winograd_flip(K, C, w, r.wflip);
    weight_transform(ALPHA, C, K, r.wflip, r.u);
    convolve(&g, n, s->chunk, K, C, dy, r.u, NULL, dx, r.v, r.m);
}

/* ---- the weight gradient: F(2x2, 3x3) ----
 * Y = AT [(G g GT) . (BT d B)] A with 4x4 input tiles at stride 2. Its transforms have
 * coefficients 0, +-1 (and 1/2 in G), so its float32 error stays near a direct GEMM's;
 * with F(4x4, 3x3) the weight gradient's error, after Adam steps turn tiny gradients into
 * whole steps, broke the 10-step parity bound (docs/NN.md). */

/* V[xi][off + t] (xi stride vs) = (BT d_t B)[xi], 4x4 tiles at stride 2, pad 1. */
static void input_transform2(int h, int w, const float *xp, float *v, size_t vs, size_t off)
{
    const int th = (h + 1) / 2, tw = (w + 1) / 2, L = 2 * (tw + 1);
    float rph[ALPHA2][L], t[ALPHA2][L];   /* rows in phase order: [q][tx'] at q*(tw+1)+tx' */
    for (int ty = 0; ty < th; ty++) {
        for (int i = 0; i < ALPHA2; i++) {
            const int iy = TILE2 * ty - 1 + i;
            gather_phases(iy >= 0 && iy < h ? xp + (size_t)iy * w : NULL, w, TILE2, -1, tw + 1, rph[i]);
        }
        for (int l = 0; l < L; l++) {   /* along y */
            const float d0 = rph[0][l], d1 = rph[1][l], d2 = rph[2][l], d3 = rph[3][l];
            t[0][l] = d0 - d2;
            t[1][l] = d1 + d2;
            t[2][l] = d2 - d1;
            t[3][l] = d1 - d3;
        }
        for (int a = 0; a < ALPHA2; a++) {   /* along x: column j of tile tx is phase j % 2 at tx + j / 2 */
            const float *p0 = t[a], *p1 = t[a] + (tw + 1);
            float *o0 = v + (size_t)(a * ALPHA2 + 0) * vs + off + (size_t)ty * tw;
            float *o1 = v + (size_t)(a * ALPHA2 + 1) * vs + off + (size_t)ty * tw;
            float *o2 = v + (size_t)(a * ALPHA2 + 2) * vs + off + (size_t)ty * tw;
            float *o3 = v + (size_t)(a * ALPHA2 + 3) * vs + off + (size_t)ty * tw;
            for (int tx = 0; tx < tw; tx++) {
                const float d0 = p0[tx], d1 = p1[tx], d2 = p0[tx + 1], d3 = p1[tx + 1];
                o0[tx] = d0 - d2;
                o1[tx] = d1 + d2;
                o2[tx] = d2 - d1;
                o3[tx] = d1 - d3;
            }
        }
    }
}

/* Mg[xi][off + t] (xi stride ms) = (A dy_t AT)[xi] for the 2x2 tiles of a dy plane. */
static void output_adjoint2(int h, int w, const float *dyp, float *mg, size_t ms, size_t off)
{
    const int th = (h + 1) / 2, tw = (w + 1) / 2, L = 2 * tw;
    float rph[TILE2][L], t[ALPHA2][L];   /* dy rows in phase order: [q][tx] at q*tw+tx */
    for (int ty = 0; ty < th; ty++) {
        for (int i = 0; i < TILE2; i++) {
            const int iy = TILE2 * ty + i;
            gather_phases(iy < h ? dyp + (size_t)iy * w : NULL, w, TILE2, 0, tw, rph[i]);
        }
        for (int l = 0; l < L; l++) {   /* along y: A = [1 0; 1 1; 1 -1; 0 -1] */
            const float r0 = rph[0][l], r1 = rph[1][l];
            t[0][l] = r0;
            t[1][l] = r0 + r1;
            t[2][l] = r0 - r1;
            t[3][l] = -r1;
        }
        for (int a = 0; a < ALPHA2; a++) {   /* along x */
            const float *p0 = t[a], *p1 = t[a] + tw;
            float *o0 = mg + (size_t)(a * ALPHA2 + 0) * ms + off + (size_t)ty * tw;
            float *o1 = mg + (size_t)(a * ALPHA2 + 1) * ms + off + (size_t)ty * tw;
            float *o2 = mg + (size_t)(a * ALPHA2 + 2) * ms + off + (size_t)ty * tw;
            float *o3 = mg + (size_t)(a * ALPHA2 + 3) * ms + off + (size_t)ty * tw;
            for (int tx = 0; tx < tw; tx++) {
                const float r0 = p0[tx], r1 = p1[tx];
                o0[tx] = r0;
                o1[tx] = r0 + r1;
                o2[tx] = r0 - r1;
                o3[tx] = -r1;
            }
        }
    }
}

void ddad_winograd_grad_back2(const float *du, size_t stride, float dw[9])
{
    double o[9];
#define DU(xi) (double)du[(size_t)(xi) * stride]
    DDAD_WINOGRAD_GRAD_BACK2(double, DU, o);
#undef DU
    for (int j = 0; j < 9; j++) dw[j] = (float)o[j];
}

/* dw[k][c] (3x3) = GT dU G for every channel pair, in double, rounded to float. */
static void weight_gradient_from_transformed(int kc, const float *du, float *dw)
{
#pragma omp parallel for schedule(static)
    for (int p = 0; p < kc; p++) ddad_winograd_grad_back2(du + p, (size_t)kc, dw + (size_t)p * 9);
}

void ddad_winograd_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *dw_sum,
                                   float *ws)
{
    regions r = carve(s, ws);
    const int C = s->c, K = s->k, h = s->h, w = s->w;
    const int T = ((h + 1) / 2) * ((w + 1) / 2);
    const size_t plane = (size_t)h * w, kc = (size_t)K * C;
    float *dw = r.u;   /* one sample's 3x3 gradient (U is free here) */
    for (size_t j = 0; j < 9 * kc; j++) dw_sum[j] = 0.0;
    for (int smp = 0; smp < n; smp++) {
#pragma omp parallel for schedule(static)
        for (int c = 0; c < C; c++)
            input_transform2(h, w, x + ((size_t)smp * C + c) * plane, r.v, (size_t)C * T, (size_t)c * T);
#pragma omp parallel for schedule(static)
        for (int k = 0; k < K; k++)
            output_adjoint2(h, w, dy + ((size_t)smp * K + k) * plane, r.m, (size_t)K * T, (size_t)k * T);
        /* dU[xi] (K x C) = Mg[xi] (K x T) V[xi]^T: this sample's part, alone */
#pragma omp parallel for schedule(dynamic, 1)
        for (int xi = 0; xi < NXI2; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, C, T, 1.0f, r.m + (size_t)xi * K * T, T,
                        r.v + (size_t)xi * C * T, T, 0.0f, r.du + (size_t)xi * kc, C);
        /* the sample's gradient is rounded to float, so the double sums over samples are
         * exact and do not depend on how the samples are grouped (across ranks) */
        weight_gradient_from_transformed((int)kc, r.du, dw);
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < 9 * kc; j++) dw_sum[j] += (double)dw[j];
    }
}

/* ---- the forward pass: F(2x2, 3x3) ----
 * The same 4x4 tiles at stride 2 as the weight gradient. F(4x4)'s forward error (2-4x
 * im2col's) flipped a ReLU after BatchNorm in a parity case (docs/NN.md); F(2x2)'s
 * transforms add at most four terms with coefficients +-1 (G's 1/2 is exact), so its
 * error stays at im2col's. */

/* y plane (+ bias) = AT M_t A for every 2x2 tile t, AT = [1 1 1 0; 0 1 -1 -1];
 * M[xi][off + t] with xi stride ms. */
static void output_transform2(int h, int w, const float *m, size_t ms, size_t off, float bias, float *yp)
{
    const int th = (h + 1) / 2, tw = (w + 1) / 2;
    float s[ALPHA2][TILE2][tw];
    for (int ty = 0; ty < th; ty++) {
        for (int a = 0; a < ALPHA2; a++) {   /* along x */
            const float *m0 = m + (size_t)(a * ALPHA2 + 0) * ms + off + (size_t)ty * tw;
            const float *m1 = m0 + ms, *m2 = m1 + ms, *m3 = m2 + ms;
            for (int tx = 0; tx < tw; tx++) {
                s[a][0][tx] = m0[tx] + m1[tx] + m2[tx];
                s[a][1][tx] = m1[tx] - m2[tx] - m3[tx];
            }
        }
        for (int i = 0; i < TILE2; i++) {   /* along y, then into the plane */
            const int oy = TILE2 * ty + i;
            if (oy >= h) break;
            float *row = yp + (size_t)oy * w;
            float r[TILE2][tw];
            for (int j = 0; j < TILE2; j++)
                for (int tx = 0; tx < tw; tx++)
                    r[j][tx] = i == 0 ? s[0][j][tx] + s[1][j][tx] + s[2][j][tx] : s[1][j][tx] - s[2][j][tx] - s[3][j][tx];
            const int full = w / TILE2;   /* tiles whose two columns are both inside */
            for (int tx = 0; tx < full; tx++) {
                row[TILE2 * tx] = r[0][tx] + bias;
                row[TILE2 * tx + 1] = r[1][tx] + bias;
            }
            if (full < tw) row[TILE2 * full] = r[0][full] + bias;
        }
    }
}

void ddad_winograd_forward2(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                            float *ws)
{
    regions r = carve(s, ws);
    const int C = s->c, K = s->k, h = s->h, wd = s->w;
    const int T = ((h + 1) / 2) * ((wd + 1) / 2);
    const size_t plane = (size_t)h * wd;
    weight_transform(ALPHA2, K, C, w, r.u);
    for (int n0 = 0; n0 < n; n0 += s->chunk) {
        const int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
        const size_t tn = (size_t)nb * T;
#pragma omp parallel for schedule(static)
        for (int p = 0; p < nb * C; p++) {
            const int smp = p / C, c = p % C;
            input_transform2(h, wd, x + ((size_t)(n0 + smp) * C + c) * plane, r.v, (size_t)C * tn,
                             (size_t)c * tn + (size_t)smp * T);
        }
#pragma omp parallel for schedule(dynamic, 1)
        for (int xi = 0; xi < NXI2; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, (int)tn, C, 1.0f, r.u + (size_t)xi * K * C, C,
                        r.v + (size_t)xi * C * tn, (int)tn, 0.0f, r.m + (size_t)xi * K * tn, (int)tn);
#pragma omp parallel for schedule(static)
        for (int p = 0; p < nb * K; p++) {
            const int smp = p / K, k = p % K;
            output_transform2(h, wd, r.m, (size_t)K * tn, (size_t)k * tn + (size_t)smp * T, b ? b[k] : 0.0f,
                              y + ((size_t)(n0 + smp) * K + k) * plane);
        }
    }
}

#include "nn/conv_winograd_fused.h"

#include <string.h>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "nn/conv_winograd.h"
#include "nn/gemm_kernel.h"
#include "nn/threads.h"

/* Tiles are 4x4 input patches at stride 2 (2x2 outputs each). A run is 16 consecutive
 * tiles of one tile row, one per vector lane; a block is two consecutive runs (in row-major
 * run order), 32 tiles, the width of the GEMM kernel. */
#define LANES DDAD_GK_LANES
#define BLOCK 32
#define NXI 16     /* transform positions (4 x 4) */
#define ROWS DDAD_GK_ROWS /* output rows of the GEMM kernel (gemm_kernel.h); it sums over
                            input channels in order with one multiply-add a term, which
                            is OpenBLAS's order for a sum this short: the forward's bits */
/* Floats between the buffers of consecutive transform positions beyond their size: with
 * strides a multiple of 4 KiB the 16 positions of a tile fall into one L1 set. */
#define SKEW 16

typedef ddad_v16f v16f;
typedef int v16i __attribute__((vector_size(LANES * sizeof(int))));
typedef float v8f __attribute__((vector_size(8 * sizeof(float))));
typedef double v8d __attribute__((vector_size(8 * sizeof(double))));

static inline v16f ld16(const float *p) { return ddad_gk_ld(p); }
static inline void st16(float *p, v16f v) { ddad_gk_st(p, v); }

static inline v8f ld8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

typedef struct {
    int h, w;
    int tw, runs_x;   /* tiles per tile row, runs per tile row */
    int runs, blocks; /* per sample */
} geometry;

static geometry geom(int h, int w)
{
    geometry g;
    g.h = h, g.w = w;
    const int th = (h + 1) / 2;
    g.tw = (w + 1) / 2;
    g.runs_x = (g.tw + LANES - 1) / LANES;
    g.runs = th * g.runs_x;
    g.blocks = (g.runs + 1) / 2;
    return g;
}

int ddad_wfused_applies(const ddad_conv_shape *s)
{
#ifdef __AVX512F__
    return ddad_winograd_applies(s) && s->c % 16 == 0 && s->k % 16 == 0 && s->c > 0 && s->k > 0;
#else
    /* without AVX-512 the 16-lane shuffles become scalar code (50x slower than BLAS) */
    (void)s;
    return 0;
#endif
}

static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

/* Stride between transform positions of a block buffer of ch channels (or rows). */
static size_t pos_stride(int ch) { return (size_t)ch * BLOCK + SKEW; }

/* Workspace regions: the blocked transformed weights, the flipped kernel, the plain
 * transform, every sample's weight gradient, then one buffer per thread (a forward
 * block's transforms, or a weight-gradient unit's transforms and sums). */
typedef struct {
    float *ub, *wflip, *u, *dws, *slots;
    size_t slot;   /* floats per thread */
} regions;

/* Floats of one thread's buffer. */
static size_t slot_floats(const ddad_conv_shape *s)
{
    return round16((size_t)NXI * (pos_stride(s->c) + pos_stride(s->k)) + (size_t)NXI * s->k * s->c);
}

static regions carve(const ddad_conv_shape *s, float *ws)
{
    const size_t kc = (size_t)s->k * s->c;
    regions r;
    r.ub = ws;
    r.wflip = r.ub + round16(NXI * kc);
    r.u = r.wflip + round16(9 * kc);
    r.dws = r.u + round16(NXI * kc);
    r.slots = r.dws + round16((size_t)(s->n > 0 ? s->n : 1) * 9 * kc);
    r.slot = slot_floats(s);
    return r;
}

size_t ddad_wfused_workspace_floats(const ddad_conv_shape *s)
{
    const size_t kc = (size_t)s->k * s->c;
    const size_t shared = 2 * round16(NXI * kc) + round16(9 * kc) + round16((size_t)(s->n > 0 ? s->n : 1) * 9 * kc);
    return shared + (size_t)(s->slots > 0 ? s->slots : 1) * slot_floats(s);
}

/* Threads the fused kernels use: no more than the workspace has buffers for. */
static int threads_of(const ddad_conv_shape *s)
{
    int t = ddad_nn_get_threads();
    if (t > s->slots) t = s->slots;
    return t < 1 ? 1 : t;
}

/* Threads for a parallel loop of `units` units. */
static int team(const ddad_conv_shape *s, int units)
{
    const int t = threads_of(s);
    return units < t ? (units < 1 ? 1 : units) : t;
}

/* ---- loading rows ---- */

/* Lanes l < 16 with lo <= c0 + l < hi, as a bit mask. */
static inline unsigned lane_mask(int c0, int lo, int hi)
{
    const int a = lo - c0 > 0 ? lo - c0 : 0, b = hi - c0 < LANES ? hi - c0 : LANES;
    return b <= a ? 0u : ((1u << b) - 1u) & ~((1u << a) - 1u);
}

/* row[c0 .. c0 + 16) with lanes outside [lo, hi) zero; never touches memory outside it. */
static inline v16f load_masked(const float *row, int c0, int lo, int hi)
{
    if (c0 >= lo && c0 + LANES <= hi) return ld16(row + c0);
#ifdef __AVX512F__
    return _mm512_maskz_loadu_ps((__mmask16)lane_mask(c0, lo, hi), row + c0);
#else
    float t[LANES];
    for (int l = 0; l < LANES; l++) t[l] = c0 + l >= lo && c0 + l < hi ? row[c0 + l] : 0.0f;
    return ld16(t);
#endif
}

/* row[c0 .. c0 + 16), zero outside [0, w). */
static inline v16f load_row16(const float *row, int w, int c0) { return load_masked(row, c0, 0, w); }

/* p[0 .. n) = v[0 .. n), n <= 16. */
static inline void store_first(float *p, v16f v, int n)
{
#ifdef __AVX512F__
    _mm512_mask_storeu_ps(p, (__mmask16)lane_mask(0, 0, n), v);
#else
    float t[LANES];
    st16(t, v);
    memcpy(p, t, sizeof(float) * (size_t)n);
#endif
}

static const v16i EVENS = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
static const v16i ODDS = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
static const v16i NEXT_E = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const v16i NEXT_O = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17};
static const v16i ZIP_LO = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
static const v16i ZIP_HI = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};

/* The four columns of the 16 tiles from column c0 = 2 tx0 - 1 of an input row (zero
 * outside the plane): d[j][l] = row[c0 + 2 l + j], j < 4. */
static inline void row_columns(const float *row, int w, int c0, v16f d[4])
{
    if (!row) {
        d[0] = d[1] = d[2] = d[3] = (v16f){0};
        return;
    }
    const v16f a = load_row16(row, w, c0), b = load_row16(row, w, c0 + LANES);
    const v16f tail = load_masked(row, c0 + 2 * LANES, 0, c0 + 2 * LANES + 2 < w ? c0 + 2 * LANES + 2 : w);
    d[0] = __builtin_shuffle(a, b, EVENS);
    d[1] = __builtin_shuffle(a, b, ODDS);
    d[2] = __builtin_shuffle(d[0], tail, NEXT_E);
    d[3] = __builtin_shuffle(d[1], tail, NEXT_O);
}

/* ---- the transforms, vectorised over the 16 tiles of a run; the same operations, in
 * the same order, as conv_winograd.c's F(2x2) transforms, so each value has the same bits */

/* Row a of BT d B for the run's tiles (rows d[i][j]: tile row i, column j): o[b], b < 4. */
static inline void input_row(int a, const v16f d[4][4], v16f o[4])
{
    v16f t[4];
    for (int j = 0; j < 4; j++) {   /* along y */
        switch (a) {
        case 0: t[j] = d[0][j] - d[2][j]; break;
        case 1: t[j] = d[1][j] + d[2][j]; break;
        case 2: t[j] = d[2][j] - d[1][j]; break;
        default: t[j] = d[1][j] - d[3][j]; break;
        }
    }
    o[0] = t[0] - t[2];   /* along x */
    o[1] = t[1] + t[2];
    o[2] = t[2] - t[1];
    o[3] = t[1] - t[3];
}

/* The input rows of run `run` of plane xp: d[i][j] (i < 4 rows, j < 4 columns). */
static inline void load_tiles(const geometry *g, const float *xp, int run, v16f d[4][4])
{
    const int ty = run / g->runs_x, tx0 = (run % g->runs_x) * LANES;
    for (int i = 0; i < 4; i++) {
        const int iy = 2 * ty - 1 + i;
        row_columns(iy >= 0 && iy < g->h ? xp + (size_t)iy * g->w : NULL, g->w, 2 * tx0 - 1, d[i]);
    }
}

/* v[xi * vs] = (BT d B)[xi] for all 16 positions of the run's tiles. */
static void input_run(const geometry *g, const float *xp, int run, float *v, size_t vs)
{
    v16f d[4][4];
    load_tiles(g, xp, run, d);
    for (int a = 0; a < 4; a++) {
        v16f o[4];
        input_row(a, d, o);
        for (int b = 0; b < 4; b++) st16(v + (size_t)(a * 4 + b) * vs, o[b]);
    }
}

/* The run's outputs (+ bias) into plane yp from m[xi * ms]: AT M A. */
static void output_run(const geometry *g, const float *m, size_t ms, float bias, float *yp, int run)
{
    const int ty = run / g->runs_x, tx0 = (run % g->runs_x) * LANES;
    v16f s0[4], s1[4];
    for (int a = 0; a < 4; a++) {   /* along x */
        const v16f m0 = ld16(m + (size_t)(a * 4) * ms), m1 = ld16(m + (size_t)(a * 4 + 1) * ms);
        const v16f m2 = ld16(m + (size_t)(a * 4 + 2) * ms), m3 = ld16(m + (size_t)(a * 4 + 3) * ms);
        s0[a] = m0 + m1 + m2;
        s1[a] = m1 - m2 - m3;
    }
    const int cols = g->w - 2 * tx0 < BLOCK ? g->w - 2 * tx0 : BLOCK;
    for (int i = 0; i < 2; i++) {   /* along y, then the two columns interleaved into the row */
        const int oy = 2 * ty + i;
        if (oy >= g->h) break;
        const v16f r0 = (i == 0 ? s0[0] + s0[1] + s0[2] : s0[1] - s0[2] - s0[3]) + bias;
        const v16f r1 = (i == 0 ? s1[0] + s1[1] + s1[2] : s1[1] - s1[2] - s1[3]) + bias;
        const v16f lo = __builtin_shuffle(r0, r1, ZIP_LO), hi = __builtin_shuffle(r0, r1, ZIP_HI);
        float *row = yp + (size_t)oy * g->w + 2 * tx0;
        if (cols == BLOCK) {
            st16(row, lo);
            st16(row + LANES, hi);
        } else if (cols > LANES) {
            st16(row, lo);
            store_first(row + LANES, hi, cols - LANES);
        } else {
            store_first(row, lo, cols);
        }
    }
}

/* r[0..16) transposed in place: lane l of r[i] becomes lane i of r[l]. Four rounds swap
 * the off-diagonal blocks of 8, 4, 2 and 1. */
static inline void transpose16(v16f r[LANES])
{
#define SWAP_BLOCKS(S, LO, HI)                                   \
    for (int i = 0; i < LANES; i++)                              \
        if (!(i & (S))) {                                        \
            const v16f x = r[i], y = r[i + (S)];                 \
            r[i] = __builtin_shuffle(x, y, LO);                  \
            r[i + (S)] = __builtin_shuffle(x, y, HI);            \
        }
    static const v16i lo8 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    static const v16i hi8 = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
    static const v16i lo4 = {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27};
    static const v16i hi4 = {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31};
    static const v16i lo2 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
    static const v16i hi2 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
    static const v16i lo1 = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30};
    static const v16i hi1 = {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31};
    SWAP_BLOCKS(8, lo8, hi8)
    SWAP_BLOCKS(4, lo4, hi4)
    SWAP_BLOCKS(2, lo2, hi2)
    SWAP_BLOCKS(1, lo1, hi1)
#undef SWAP_BLOCKS
}

/* ---- forward (and the input gradient, which is a forward) ---- */

/* ub[xi][ob][i][r] = u[xi][ob * 8 + r][i]: each kernel call reads its 8 rows' weights for
 * one input channel as 8 consecutive floats. */
static void block_weights(int cout, int cin, const float *u, float *ub)
{
    const size_t oi = (size_t)cout * cin;
#pragma omp parallel for schedule(static)
    for (int xo = 0; xo < NXI * (cout / ROWS); xo++) {
        const int xi = xo / (cout / ROWS), ob = xo % (cout / ROWS);
        const float *src = u + (size_t)xi * oi + (size_t)ob * ROWS * cin;
        float *dst = ub + (size_t)xi * oi + (size_t)ob * ROWS * cin;
        for (int i = 0; i < cin; i++)
            for (int r = 0; r < ROWS; r++) dst[(size_t)i * ROWS + r] = src[(size_t)r * cin + i];
    }
}

/* One block of one sample: in [cin][h][w] -> out [cout][h][w]. vb: [xi][cin][BLOCK],
 * mb: [xi][cout][BLOCK]. */
static void forward_block(const geometry *g, int cin, int cout, const float *in, const float *ub, const float *bias,
                          float *out, int blk, float *vb, float *mb)
{
    const size_t plane = (size_t)g->h * g->w, vs = pos_stride(cin), ms = pos_stride(cout);
    for (int c = 0; c < cin; c++) {
        for (int j = 0; j < 2; j++) {
            const int run = 2 * blk + j;
            float *v = vb + (size_t)c * BLOCK + LANES * j;
            if (run < g->runs)
                input_run(g, in + (size_t)c * plane, run, v, vs);
            else
                for (int xi = 0; xi < NXI; xi++) st16(v + xi * vs, (v16f){0});
        }
    }
    const size_t oi = (size_t)cout * cin;
    for (int xi = 0; xi < NXI; xi++)
        for (int ob = 0; ob < cout / ROWS; ob++)
            ddad_gemm_kernel(cin, 2, ub + xi * oi + (size_t)ob * ROWS * cin, 1, ROWS, vb + xi * vs, BLOCK,
                             mb + xi * ms + (size_t)ob * ROWS * BLOCK, BLOCK, 0);
    for (int k = 0; k < cout; k++) {
        for (int j = 0; j < 2; j++) {
            const int run = 2 * blk + j;
            if (run >= g->runs) break;
            output_run(g, mb + (size_t)k * BLOCK + LANES * j, ms, bias ? bias[k] : 0.0f, out + (size_t)k * plane, run);
        }
    }
}

static void forward_with(const ddad_conv_shape *s, int n, int cin, int cout, const float *x, const float *ub,
                         const float *b, float *y, const regions *r)
{
    const geometry g = geom(s->h, s->w);
    const size_t plane = (size_t)s->h * s->w;
    const int units = n * g.blocks;
#pragma omp parallel for schedule(static) num_threads(team(s, units))
    for (int u = 0; u < units; u++) {
        const int smp = u / g.blocks, blk = u % g.blocks;
        float *vb = r->slots + (size_t)ddad_nn_thread_num() * r->slot;
        float *mb = vb + (size_t)NXI * pos_stride(cin);
        forward_block(&g, cin, cout, x + (size_t)smp * cin * plane, ub, b, y + (size_t)smp * cout * plane, blk, vb,
                      mb);
    }
}

void ddad_wfused_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *ws)
{
    regions r = carve(s, ws);
    ddad_winograd_weights2(s->k, s->c, w, r.u);
    block_weights(s->k, s->c, r.u, r.ub);
    forward_with(s, n, s->c, s->k, x, r.ub, b, y, &r);
}

void ddad_wfused_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx, float *ws)
{
    /* stride 1, pad 1: dx is dy convolved with the kernel turned and its channels swapped */
    regions r = carve(s, ws);
    ddad_winograd_flip(s->k, s->c, w, r.wflip);
    ddad_winograd_weights2(s->c, s->k, r.wflip, r.u);
    block_weights(s->c, s->k, r.u, r.ub);
    forward_with(s, n, s->k, s->c, dy, r.ub, NULL, dx, &r);
}

/* ---- weight gradient ---- */

/* dy's values for the run's 2x2 tiles of plane dyp: p[i * 2 + q] = row 2 ty + i, column
 * 2 tx + q (zero outside the plane), one lane per tile. */
static void dy_tiles(const geometry *g, const float *dyp, int run, v16f p[4])
{
    const int ty = run / g->runs_x, tx0 = (run % g->runs_x) * LANES;
    for (int i = 0; i < 2; i++) {
        const int iy = 2 * ty + i;
        if (iy >= g->h) {
            p[i * 2] = p[i * 2 + 1] = (v16f){0};
            continue;
        }
        const float *row = dyp + (size_t)iy * g->w;
        const v16f lo = load_row16(row, g->w, 2 * tx0), hi = load_row16(row, g->w, 2 * tx0 + LANES);
        p[i * 2] = __builtin_shuffle(lo, hi, EVENS);
        p[i * 2 + 1] = __builtin_shuffle(lo, hi, ODDS);
    }
}

/* A dy AT, all 16 positions o[a * 4 + b], from the tile's four values p (any lanes); the
 * operations of conv_winograd.c's output_adjoint2. */
static inline void adjoint(const v16f p[4], v16f o[NXI])
{
    for (int a = 0; a < 4; a++) {
        v16f t[2];
        for (int q = 0; q < 2; q++) {   /* along y: A = [1 0; 1 1; 1 -1; 0 -1] */
            switch (a) {
            case 0: t[q] = p[q]; break;
            case 1: t[q] = p[q] + p[2 + q]; break;
            case 2: t[q] = p[q] - p[2 + q]; break;
            default: t[q] = -p[2 + q]; break;
            }
        }
        o[a * 4 + 0] = t[0];   /* along x */
        o[a * 4 + 1] = t[0] + t[1];
        o[a * 4 + 2] = t[0] - t[1];
        o[a * 4 + 3] = -t[1];
    }
}

/* Which channels a weight-gradient unit takes: input channels [c0, c0 + cr), output
 * channels [k0, k0 + kr) of one sample. */
typedef struct {
    int c0, cr, k0, kr;
} channel_range;

/* One unit: for its channel pairs, dU[xi][c][k] = sum over the sample's tiles of
 * V[xi][c][t] Mg[xi][k][t] (the block sums added in block order), then this sample's
 * dw[k][c] = GT dU G, rounded to float. x [C][h][w], dy [K][h][w]; dw [K][C][9].
 * slot: vb [xi][cr][BLOCK], mgt [xi][BLOCK][kr] (Mg transposed, so that the kernel's
 * vectors run over k), du [xi][cr][kr]. The sums do not depend on how the channels are
 * split into units. */
static void weight_unit(const geometry *g, int C, const float *x, const float *dy, channel_range cr, float *slot,
                        float *dw)
{
    const size_t plane = (size_t)g->h * g->w, vs = pos_stride(cr.cr), ts = pos_stride(cr.kr);
    const size_t us = (size_t)cr.cr * cr.kr;
    float *vb = slot, *mgt = vb + NXI * vs, *du = mgt + NXI * ts;
    for (int blk = 0; blk < g->blocks; blk++) {
        for (int c = 0; c < cr.cr; c++) {
            const float *xp = x + (size_t)(cr.c0 + c) * plane;
            for (int j = 0; j < 2; j++) {
                const int run = 2 * blk + j;
                float *v = vb + (size_t)c * BLOCK + LANES * j;
                if (run < g->runs)
                    input_run(g, xp, run, v, vs);
                else
                    for (int xi = 0; xi < NXI; xi++) st16(v + xi * vs, (v16f){0});
            }
        }
        for (int j = 0; j < 2; j++) {
            const int run = 2 * blk + j;
            /* 16 channels at a time: their tiles' four values transposed so that the
             * vectors run over channels (4 transposes, against 16 for the transformed
             * values), then the adjoint per tile straight into Mg's transposed layout */
            for (int kk0 = 0; kk0 < cr.kr; kk0 += LANES) {
                v16f p[4][LANES];
                for (int kk = 0; kk < LANES; kk++) {
                    v16f q[4] = {{0}, {0}, {0}, {0}};
                    if (run < g->runs) dy_tiles(g, dy + (size_t)(cr.k0 + kk0 + kk) * plane, run, q);
                    for (int i = 0; i < 4; i++) p[i][kk] = q[i];
                }
                for (int i = 0; i < 4; i++) transpose16(p[i]);
                float *dst = mgt + (size_t)LANES * j * cr.kr + kk0;
                for (int l = 0; l < LANES; l++) {
                    const v16f q[4] = {p[0][l], p[1][l], p[2][l], p[3][l]};
                    v16f o[NXI];
                    adjoint(q, o);
                    for (int xi = 0; xi < NXI; xi++) st16(dst + xi * ts + (size_t)l * cr.kr, o[xi]);
                }
            }
        }
        const int add = blk > 0;
        for (int xi = 0; xi < NXI; xi++)
            for (int cb = 0; cb < cr.cr / ROWS; cb++) {
                const float *va = vb + xi * vs + (size_t)cb * ROWS * BLOCK;
                float *o = du + xi * us + (size_t)cb * ROWS * cr.kr;
                const float *mg = mgt + xi * ts;
                const size_t kr = (size_t)cr.kr;
                int k = 0;
                for (; k + 2 * LANES <= cr.kr; k += 2 * LANES)
                    ddad_gemm_kernel(BLOCK, 2, va, BLOCK, 1, mg + k, kr, o + k, kr, add);
                if (k < cr.kr) ddad_gemm_kernel(BLOCK, 1, va, BLOCK, 1, mg + k, kr, o + k, kr, add);
            }
    }
    for (int c = 0; c < cr.cr; c++)
        for (int k = 0; k < cr.kr; k += 8) {
            const float *d = du + (size_t)c * cr.kr + k;
            v8d o[9];
#define DU(xi) __builtin_convertvector(ld8(d + (size_t)(xi) * us), v8d)
            DDAD_WINOGRAD_GRAD_BACK2(v8d, DU, o);
#undef DU
            float f[9][8];
            for (int q = 0; q < 9; q++) {
                const v8f v = __builtin_convertvector(o[q], v8f);
                memcpy(f[q], &v, sizeof v);
            }
            for (int l = 0; l < 8; l++) {
                float *dst = dw + ((size_t)(cr.k0 + k + l) * C + cr.c0 + c) * 9;
                for (int q = 0; q < 9; q++) dst[q] = f[q][l];
            }
        }
}

/* Channel splits for at least `threads` units over n samples (fewer when the channels run
 * out): output channels in halves first (x is read once per output part), then input
 * channels, each part a multiple of 16 (kernel widths) or 8 (kernel rows). */
static void split_channels(int n, int C, int K, int threads, int *cp, int *kp)
{
    *cp = *kp = 1;
    while (n * *cp * *kp < threads) {
        const int kok = (K / (2 * *kp)) % 16 == 0 && K % (2 * *kp) == 0;
        const int cok = (C / (2 * *cp)) % ROWS == 0 && C % (2 * *cp) == 0;
        if (kok && (*kp <= *cp || !cok))
            *kp *= 2;
        else if (cok)
            *cp *= 2;
        else
            break;
    }
}

void ddad_wfused_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *dw_sum,
                                 float *ws)
{
    regions r = carve(s, ws);
    const int C = s->c, K = s->k;
    const geometry g = geom(s->h, s->w);
    const size_t plane = (size_t)s->h * s->w, kc = (size_t)K * C, nw = 9 * kc;
    int cp, kp;
    split_channels(n, C, K, threads_of(s), &cp, &kp);
    const int units = n * cp * kp;
#pragma omp parallel for schedule(static) num_threads(team(s, units))
    for (int u = 0; u < units; u++) {
        const int smp = u / (cp * kp), ci = u % (cp * kp) / kp, ki = u % kp;
        const channel_range cr = {ci * (C / cp), C / cp, ki * (K / kp), K / kp};
        weight_unit(&g, C, x + (size_t)smp * C * plane, dy + (size_t)smp * K * plane, cr,
                    r.slots + (size_t)ddad_nn_thread_num() * r.slot, r.dws + (size_t)smp * nw);
    }
    /* the samples' float gradients summed in order in double: exact (sum_grain.h's
     * argument), so the grouping of samples across ranks does not change a bit */
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < nw; j++) {
        double acc = 0.0;
        for (int smp = 0; smp < n; smp++) acc += (double)r.dws[(size_t)smp * nw + j];
        dw_sum[j] = acc;
    }
}

#include "nn/im2col.h"

#include <string.h>

#include "nn/conv_direct.h"
#include "nn/conv_winograd.h"
#include "nn/conv_winograd_fused.h"
#include "nn/threads.h"

/* Channels from which a 3x3 stride-1 layer goes to Winograd: with fewer, the 36 GEMMs are
 * too thin to pay for the transforms. */
#define DDAD_WINOGRAD_MIN_CHANNELS 16

/* Column matrix (plus output) budget per chunk, in floats: 1 MiB, so that im2col's output
 * is still in L2 when the GEMM packs it (6 MiB chunks ran the AE 20-30% slower); fixed so
 * that chunking never depends on the thread count. */
#define DDAD_COL_BUDGET (1u << 18)

ddad_conv_shape ddad_conv_shape_make(int n, int c, int h, int w, int k, int ksize, int stride, int pad)
{
    ddad_conv_shape s;
    s.n = n;
    s.c = c;
    s.h = h;
    s.w = w;
    s.k = k;
    s.kh = s.kw = ksize;
    s.stride = stride;
    s.pad = pad;
    s.oh = (h + 2 * pad - ksize) / stride + 1;
    s.ow = (w + 2 * pad - ksize) / stride + 1;
    size_t per_sample = ((size_t)c * ksize * ksize + (size_t)k) * (size_t)s.oh * s.ow;
    size_t nb = per_sample > 0 ? DDAD_COL_BUDGET / per_sample : 1;
    if (nb < 1) nb = 1;
    s.chunk = (int)nb;
    /* up to one slot per sample: callers may lower the chunk to 1 (per-sample forwards) */
    const int threads = ddad_nn_get_threads();
    s.slots = n < threads ? n : threads;
    if (s.slots < 1) s.slots = 1;
    s.algo = DDAD_CONV_IM2COL;
    /* the direct path's data gradient pads by ksize - 1 - pad, so it needs pad < ksize */
    if (stride == 1 && pad < ksize && (k <= DDAD_CONV_DIRECT_MAX_K || c <= DDAD_CONV_DIRECT_MAX_K))
        s.algo = DDAD_CONV_DIRECT;
    else if (ddad_winograd_applies(&s) && c >= DDAD_WINOGRAD_MIN_CHANNELS && k >= DDAD_WINOGRAD_MIN_CHANNELS)
        s.algo = ddad_wfused_applies(&s) ? DDAD_CONV_WINOGRAD_FUSED : DDAD_CONV_WINOGRAD;
    /* the fused path's threads split blocks of tiles, not samples: one buffer per thread */
    if (s.algo == DDAD_CONV_WINOGRAD_FUSED) s.slots = threads;
    return s;
}

static int chunk_count(const ddad_conv_shape *s, int n) { return (n + s->chunk - 1) / s->chunk; }

/* Floats of one slot: a chunk's column matrix and its permuted block. */
static size_t slot_floats(const ddad_conv_shape *s)
{
    size_t nb = (size_t)(s->n < s->chunk ? s->n : s->chunk);
    return ((size_t)s->c * s->kh * s->kw + (size_t)s->k) * nb * (size_t)s->oh * s->ow;
}

/* Floats of one chunk's gradient partials: the weights, then the biases. */
static size_t partial_floats(const ddad_conv_shape *s) { return (size_t)s->k * s->c * s->kh * s->kw + (size_t)s->k; }

/* Offset in floats of chunk ci's gradient partials: after the slots. */
static size_t partials_offset(const ddad_conv_shape *s, int ci)
{
    return (size_t)(s->slots > 0 ? s->slots : 1) * slot_floats(s) + (size_t)ci * partial_floats(s);
}

/* Threads that take whole chunks: 1 means one chunk at a time, each parallel inside. */
static int chunk_team(const ddad_conv_shape *s, int chunks)
{
    /* A sample over the column budget (the refiner's 128 -> 128 layer: 5.2 M floats) has
     * its GEMM cut into many tiles already; its threads stay inside it, sharing one column
     * matrix, instead of streaming one each (the refiner's step ran 5% faster so). */
    if (slot_floats(s) > DDAD_COL_BUDGET) return 1;
    int team = ddad_nn_get_threads();
    if (team > s->slots) team = s->slots;
    if (team > chunks) team = chunks;
    return team < 1 ? 1 : team;
}

/* dst[j] = p_0[j] + p_1[j] + ... over `chunks` partials `stride` floats apart, in order. */
static void sum_partials(int chunks, size_t count, size_t stride, const float *p0, float *dst)
{
#pragma omp parallel for schedule(static) if (count >= 32768)
    for (size_t j = 0; j < count; j++) {
        float acc = p0[j];
        for (int c = 1; c < chunks; c++) acc += p0[(size_t)c * stride + j];
        dst[j] = acc;
    }
}

static void run_chunk(const ddad_conv_shape *s, int n, int ci, float *ws, float *slot, ddad_chunk_fn fn,
                      const void *args, int with_dw, int with_db)
{
    const int n0 = ci * s->chunk, nb = n - n0 < s->chunk ? n - n0 : s->chunk;
    float *part = ws + partials_offset(s, ci);
    fn(args, n0, nb, slot, with_dw ? part : NULL, with_db ? part + partial_floats(s) - s->k : NULL);
}

void ddad_im2col_run_chunks(const ddad_conv_shape *s, int n, float *ws, ddad_chunk_fn fn, const void *args, float *dw,
                            float *db)
{
    const int chunks = chunk_count(s, n), team = chunk_team(s, chunks);
    if (chunks == 1) {
        fn(args, 0, n, ws, dw, db);
        return;
    }
    /* one partial per chunk whatever the team, so that the bits do not depend on it */
    if (team == 1) {   /* no enclosing region: the kernels' own loops use the threads */
        for (int ci = 0; ci < chunks; ci++) run_chunk(s, n, ci, ws, ws, fn, args, dw != NULL, db != NULL);
    } else {
        const size_t slot = slot_floats(s);
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
        for (int ci = 0; ci < chunks; ci++)
            run_chunk(s, n, ci, ws, ws + (size_t)ddad_nn_thread_num() * slot, fn, args, dw != NULL, db != NULL);
    }
    const float *p0 = ws + partials_offset(s, 0);
    const size_t nw = partial_floats(s) - (size_t)s->k;
    if (dw) sum_partials(chunks, nw, partial_floats(s), p0, dw);
    if (db) sum_partials(chunks, (size_t)s->k, partial_floats(s), p0 + nw, db);
}

size_t ddad_conv_workspace_floats(const ddad_conv_shape *s)
{
    /* the im2col slots, then one weight-and-bias gradient partial per chunk */
    const int chunks = chunk_count(s, s->n);
    size_t floats = partials_offset(s, chunks > 1 ? chunks : 0);
    /* the direct and Winograd kernels' own workspace, then ddad_conv2d_backward's double
     * gradient sums (weights and biases) */
    size_t sums = 2 * ((size_t)s->k * s->c * s->kh * s->kw + (size_t)s->k);
    size_t direct = ddad_conv_direct_workspace_floats(s) + sums;
    if (s->stride == 1 && floats < direct) floats = direct;
    if (ddad_winograd_applies(s)) {
        size_t wino = ddad_winograd_workspace_floats(s) + sums;
        if (floats < wino) floats = wino;
    }
    if (ddad_wfused_applies(s)) {
        size_t fused = ddad_wfused_workspace_floats(s) + sums;
        if (floats < fused) floats = fused;
    }
    return floats;
}

static inline float epilogue_value(float v, float sc, float sh, int relu)
{
    v = v * sc + sh;
    return relu && !(v > 0.0f) ? 0.0f : v;
}

/* The AE's layers: 4x4 kernel, stride 2, pad 1, even width (ow = w / 2). Each input row
 * is split once into its even and odd columns; the four kernel columns j are then plain
 * shifted copies of those: j = 0 -> odd[ox - 1], 1 -> even[ox], 2 -> odd[ox],
 * 3 -> even[ox + 1], with zeros where the padding is. */
/* Largest plane (oh * ow) for which col2im_s2k4p1_planes keeps four phase planes on the
 * stack (64 KiB); larger ones go row by row. */
#define DDAD_PHASE_PLANE_MAX 4096

static int is_s2k4p1(const ddad_conv_shape *s)
{
    return s->stride == 2 && s->kw == 4 && s->kh == 4 && s->pad == 1 && s->w == 2 * s->ow && s->ow >= 1;
}

static void im2col_s2k4p1(const ddad_conv_shape *s, int nb, const float *x, float *col)
{
    const int ohw = s->oh * s->ow, ow = s->ow;
    const size_t ncols = (size_t)nb * ohw;
#pragma omp parallel for schedule(static)
    for (int ci = 0; ci < s->c * 4; ci++) {
        const int c = ci / 4, i = ci % 4;
        float *d0 = col + (size_t)(c * 16 + i * 4) * ncols, *d1 = d0 + ncols, *d2 = d1 + ncols, *d3 = d2 + ncols;
        float ev[ow], od[ow];
        for (int n = 0; n < nb; n++) {
            const float *src = x + ((size_t)n * s->c + c) * s->h * s->w;
            for (int oy = 0; oy < s->oh; oy++) {
                const int iy = 2 * oy - 1 + i;
                const size_t off = (size_t)n * ohw + (size_t)oy * ow;
                if (iy < 0 || iy >= s->h) {
                    memset(d0 + off, 0, sizeof(float) * ow);
                    memset(d1 + off, 0, sizeof(float) * ow);
                    memset(d2 + off, 0, sizeof(float) * ow);
                    memset(d3 + off, 0, sizeof(float) * ow);
                    continue;
                }
                const float *row = src + (size_t)iy * s->w;
                for (int q = 0; q < ow; q++) {
                    ev[q] = row[2 * q];
                    od[q] = row[2 * q + 1];
                }
                /* loops, not memcpy: rows are as short as 4 floats */
                d0[off] = 0.0f;
                for (int q = 1; q < ow; q++) d0[off + q] = od[q - 1];
                for (int q = 0; q < ow; q++) d1[off + q] = ev[q];
                for (int q = 0; q < ow; q++) d2[off + q] = od[q];
                for (int q = 0; q + 1 < ow; q++) d3[off + q] = ev[q + 1];
                d3[off + ow - 1] = 0.0f;
            }
        }
    }
}

/* Output row of an s2k4p1 col2im: even columns from ev, odd ones from od, through the
 * epilogue of channel c when there is one. */
static inline void write_interleaved(float *row, const float *ev, const float *od, int ow, const ddad_conv_epilogue *epi,
                                     int c)
{
    if (epi) {
        const float sc = epi->scale[c], sh = epi->shift[c];
        for (int q = 0; q < ow; q++) {
            row[2 * q] = epilogue_value(ev[q], sc, sh, epi->relu);
            row[2 * q + 1] = epilogue_value(od[q], sc, sh, epi->relu);
        }
    } else {
        for (int q = 0; q < ow; q++) {
            row[2 * q] = ev[q];
            row[2 * q + 1] = od[q];
        }
    }
}

/* The adjoint of im2col_s2k4p1, gathering: even output columns 2q sum the taps j = 1
 * (ox = q) then j = 3 (ox = q - 1); odd ones 2q + 1 sum j = 0 (ox = q + 1) then j = 2
 * (ox = q); kernel rows in ascending order. The same additions in the same order as
 * col2im_gather, vectorised over q. */
static void col2im_s2k4p1(const ddad_conv_shape *s, int nb, const float *col, float *x,
                          const ddad_conv_epilogue *epi)
{
    const int ohw = s->oh * s->ow, ow = s->ow;
    const size_t ncols = (size_t)nb * ohw;
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < nb * s->c; pl++) {
        const int n = pl / s->c, c = pl % s->c;
        float *dst = x + (size_t)pl * s->h * s->w;
        float ev[ow], od[ow];
        for (int iy = 0; iy < s->h; iy++) {
            for (int q = 0; q < ow; q++) ev[q] = od[q] = 0.0f;
            for (int i = (iy + 1) % 2; i < 4; i += 2) {
                const int oy = (iy + 1 - i) / 2;
                if (oy < 0 || oy >= s->oh) continue;
                const float *b0 = col + (size_t)(c * 16 + i * 4) * ncols + (size_t)n * ohw + (size_t)oy * ow;
                const float *b1 = b0 + ncols, *b2 = b1 + ncols, *b3 = b2 + ncols;
                ev[0] += b1[0];
                for (int q = 1; q < ow; q++) ev[q] = (ev[q] + b1[q]) + b3[q - 1];
                for (int q = 0; q < ow - 1; q++) od[q] = (od[q] + b0[q + 1]) + b2[q];
                od[ow - 1] += b2[ow - 1];
            }
            write_interleaved(dst + (size_t)iy * s->w, ev, od, ow, epi, c);
        }
    }
}

/* P[k] += C[k + di * ow + dj] over an oh x ow plane, where row a + di and column b + dj
 * exist (the missing ones are the padding); keep[k] is 0 in the column whose dj neighbour
 * is padding. Whole-plane loops: the AE's rows are as short as 4 floats, too short to
 * vectorise one at a time. */
static inline void add_shifted(float *restrict P, const float *restrict C, const unsigned char *keep, int oh, int ow,
                               int di, int dj)
{
    const int k0 = di < 0 ? ow : 0, k1 = di > 0 ? (oh - 1) * ow : oh * ow, off = di * ow + dj;
    if (dj == 0) {
        for (int k = k0; k < k1; k++) P[k] += C[k + off];
    } else {
        /* the first (dj -1) or last (dj +1) element is in the masked column: leaving it out
         * keeps every read inside the plane */
        const int ka = dj < 0 ? k0 + 1 : k0, kb = dj < 0 ? k1 : k1 - 1;
        for (int k = ka; k < kb; k++) {
            const float v = C[k + off];   /* loaded unconditionally: a plain vector load */
            P[k] += keep[k] ? v : 0.0f;
        }
    }
}

/* col2im_s2k4p1 for planes of at most DDAD_PHASE_PLANE_MAX input pixels: each output
 * plane is four phase planes (even/odd rows x even/odd columns), each the sum of four
 * shifted column rows, added in the order col2im_s2k4p1 uses; then interleaved. */
static void col2im_s2k4p1_planes(const ddad_conv_shape *s, int nb, const float *col, float *x,
                                 const ddad_conv_epilogue *epi)
{
    const int oh = s->oh, ow = s->ow, ohw = oh * ow;
    const size_t ncols = (size_t)nb * ohw;
    /* kernel row (column) i and its shift for even (py 0) and odd (py 1) output rows */
    static const int tap[2][2] = {{1, 3}, {0, 2}}, shift[2][2] = {{0, -1}, {1, 0}};
    unsigned char keep_left[ohw], keep_right[ohw];   /* column b - 1, b + 1 exists */
    for (int k = 0; k < ohw; k++) {
        keep_left[k] = k % ow != 0;
        keep_right[k] = k % ow != ow - 1;
    }
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < nb * s->c; pl++) {
        const int n = pl / s->c, c = pl % s->c;
        float ph[4][ohw];
        for (int py = 0; py < 2; py++)
            for (int px = 0; px < 2; px++) {
                float *P = ph[py * 2 + px];
                for (int k = 0; k < ohw; k++) P[k] = 0.0f;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        const int i = tap[py][a], j = tap[px][b];
                        const float *C = col + (size_t)(c * 16 + i * 4 + j) * ncols + (size_t)n * ohw;
                        const int dj = shift[px][b];
                        add_shifted(P, C, dj < 0 ? keep_left : keep_right, oh, ow, shift[py][a], dj);
                    }
            }
        float *dst = x + (size_t)pl * s->h * s->w;
        for (int py = 0; py < 2; py++)
            for (int a = 0; a < oh; a++)
                write_interleaved(dst + (size_t)(2 * a + py) * s->w, ph[py * 2] + (size_t)a * ow,
                                  ph[py * 2 + 1] + (size_t)a * ow, ow, epi, c);
    }
}

void ddad_im2col(const ddad_conv_shape *s, int nb, const float *x, float *col)
{
    if (is_s2k4p1(s)) {
        im2col_s2k4p1(s, nb, x, col);
        return;
    }
    const int kk = s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t ncols = (size_t)nb * ohw;
    const int rows = s->c * kk;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        int c = r / kk, i = (r % kk) / s->kw, j = r % s->kw;
        float *dst = col + (size_t)r * ncols;
        for (int n = 0; n < nb; n++) {
            const float *src = x + ((size_t)n * s->c + c) * s->h * s->w;
            for (int oy = 0; oy < s->oh; oy++) {
                int iy = oy * s->stride - s->pad + i;
                float *d = dst + (size_t)n * ohw + (size_t)oy * s->ow;
                if (iy < 0 || iy >= s->h) {
                    memset(d, 0, sizeof(float) * s->ow);
                    continue;
                }
                const float *row = src + (size_t)iy * s->w;
                if (s->stride == 1) {
                    int lo = s->pad - j, hi = s->w + s->pad - j;   /* valid ox in [lo, hi) */
                    if (lo < 0) lo = 0;
                    if (hi > s->ow) hi = s->ow;
                    for (int ox = 0; ox < lo; ox++) d[ox] = 0.0f;
                    for (int ox = lo; ox < hi; ox++) d[ox] = row[ox - s->pad + j];
                    for (int ox = hi > lo ? hi : lo; ox < s->ow; ox++) d[ox] = 0.0f;
                } else {
                    /* valid ox: 0 <= ox*stride - pad + j < w */
                    const int st = s->stride, off = j - s->pad;
                    int lo = off < 0 ? (-off + st - 1) / st : 0;
                    int hi = (s->w - 1 - off) / st + 1;
                    if (hi > s->ow) hi = s->ow;
                    if (lo > hi) lo = hi;
                    for (int ox = 0; ox < lo; ox++) d[ox] = 0.0f;
                    for (int ox = lo; ox < hi; ox++) d[ox] = row[ox * st + off];
                    for (int ox = hi; ox < s->ow; ox++) d[ox] = 0.0f;
                }
            }
        }
    }
}

/* Strided convolutions gather: every x element sums its (at most ceil(k/s)^2) column
 * entries in (i, j) order, written once; the same additions, in the same order, as
 * scattering tap by tap into a zeroed x. */
static void col2im_gather(const ddad_conv_shape *s, int nb, const float *col, float *x)
{
    const int kk = s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t ncols = (size_t)nb * ohw;
    const int planes = nb * s->c;
    /* per input column x: the (j, ox) pairs that reach it, in j order */
    int tapx[s->w][4], nx[s->w];
    for (int ix = 0; ix < s->w; ix++) {
        nx[ix] = 0;
        for (int j = (ix + s->pad) % s->stride; j < s->kw; j += s->stride) {
            int ox = (ix + s->pad - j) / s->stride;
            if (ox >= 0 && ox < s->ow && nx[ix] < 2) {
                tapx[ix][2 * nx[ix]] = j;
                tapx[ix][2 * nx[ix] + 1] = ox;
                nx[ix]++;
            }
        }
    }
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; pl++) {
        int n = pl / s->c, c = pl % s->c;
        float *dst = x + (size_t)pl * s->h * s->w;
        for (int iy = 0; iy < s->h; iy++) {
            float *row = dst + (size_t)iy * s->w;
            for (int ix = 0; ix < s->w; ix++) row[ix] = 0.0f;
            for (int i = (iy + s->pad) % s->stride; i < s->kh; i += s->stride) {
                int oy = (iy + s->pad - i) / s->stride;
                if (oy < 0 || oy >= s->oh) continue;
                const float *base = col + (size_t)(c * kk + i * s->kw) * ncols + (size_t)n * ohw + (size_t)oy * s->ow;
                for (int ix = 0; ix < s->w; ix++) {
                    float acc = row[ix];
                    for (int t = 0; t < nx[ix]; t++) acc += base[(size_t)tapx[ix][2 * t] * ncols + tapx[ix][2 * t + 1]];
                    row[ix] = acc;
                }
            }
        }
    }
}

static void col2im_plain(const ddad_conv_shape *s, int nb, const float *col, float *x);

void ddad_col2im(const ddad_conv_shape *s, int nb, const float *col, float *x, const ddad_conv_epilogue *epi)
{
    if (is_s2k4p1(s)) {
        if (s->oh * s->ow <= DDAD_PHASE_PLANE_MAX)
            col2im_s2k4p1_planes(s, nb, col, x, epi);
        else
            col2im_s2k4p1(s, nb, col, x, epi);
        return;
    }
    col2im_plain(s, nb, col, x);
    if (epi) ddad_conv_apply_epilogue(nb, s->c, s->h * s->w, x, epi);
}

static void col2im_plain(const ddad_conv_shape *s, int nb, const float *col, float *x)
{
    if (s->stride == 2 && s->kw <= 2 * s->stride && s->w <= 4096) {
        col2im_gather(s, nb, col, x);
        return;
    }
    const int kk = s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t ncols = (size_t)nb * ohw;
    const int planes = nb * s->c;
    /* each thread owns whole planes of x: the order of the additions is fixed */
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; pl++) {
        int n = pl / s->c, c = pl % s->c;
        float *dst = x + (size_t)pl * s->h * s->w;
        memset(dst, 0, sizeof(float) * (size_t)s->h * s->w);
        for (int i = 0; i < s->kh; i++) {
            for (int j = 0; j < s->kw; j++) {
                const float *src = col + ((size_t)(c * kk + i * s->kw + j)) * ncols + (size_t)n * ohw;
                for (int oy = 0; oy < s->oh; oy++) {
                    int iy = oy * s->stride - s->pad + i;
                    if (iy < 0 || iy >= s->h) continue;
                    float *row = dst + (size_t)iy * s->w;
                    const float *sr = src + (size_t)oy * s->ow;
                    if (s->stride == 1) {
                        int lo = s->pad - j, hi = s->w + s->pad - j;
                        if (lo < 0) lo = 0;
                        if (hi > s->ow) hi = s->ow;
                        for (int ox = lo; ox < hi; ox++) row[ox - s->pad + j] += sr[ox];
                    } else {
                        const int st = s->stride, off = j - s->pad;
                        int lo = off < 0 ? (-off + st - 1) / st : 0;
                        int hi = (s->w - 1 - off) / st + 1;
                        if (hi > s->ow) hi = s->ow;
                        for (int ox = lo; ox < hi; ox++) row[ox * st + off] += sr[ox];
                    }
                }
            }
        }
    }
}

void ddad_conv_apply_epilogue(int nb, int ch, int p, float *y, const ddad_conv_epilogue *epi)
{
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < nb * ch; pl++) {
        const float sc = epi->scale[pl % ch], sh = epi->shift[pl % ch];
        float *q = y + (size_t)pl * p;
        for (int i = 0; i < p; i++) q[i] = epilogue_value(q[i], sc, sh, epi->relu);
    }
}

/* Plain loops, not memcpy: the AE's planes are as small as 16 floats, where a library
 * call per plane costs more than the copy. */
static void copy_planes(int nb, int ch, int p, const float *src, float *dst, int to_cnp, const ddad_conv_epilogue *epi)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < ch; c++)
        for (int n = 0; n < nb; n++) {
            const size_t cnp = ((size_t)c * nb + n) * p, nchw = ((size_t)n * ch + c) * p;
            const float *restrict a = src + (to_cnp ? nchw : cnp);
            float *restrict b = dst + (to_cnp ? cnp : nchw);
            if (epi) {
                const float sc = epi->scale[c], sh = epi->shift[c];
                for (int i = 0; i < p; i++) b[i] = epilogue_value(a[i], sc, sh, epi->relu);
            } else {
                for (int i = 0; i < p; i++) b[i] = a[i];
            }
        }
}

void ddad_nchw_to_cnp(int nb, int ch, int p, const float *src, float *dst) { copy_planes(nb, ch, p, src, dst, 1, NULL); }

const float *ddad_as_cnp(int nb, int ch, int p, const float *src, float *tmp)
{
    if (nb == 1) return src;
    ddad_nchw_to_cnp(nb, ch, p, src, tmp);
    return tmp;
}

void ddad_cnp_to_nchw(int nb, int ch, int p, const float *src, float *dst, const ddad_conv_epilogue *epi)
{
    copy_planes(nb, ch, p, src, dst, 0, epi);
}

#include "nn/conv2d.h"

#include "nn/conv_direct.h"
#include "nn/conv_winograd.h"
#include "nn/conv_winograd_fused.h"
#include "nn/gemm.h"
#include "nn/sum_grain.h"

/* db_sum[k] = sum over samples (in order) of each sample's double sum of dy[k], grained
 * (sum_grain.h). */
static void bias_sums(const ddad_conv_shape *s, int n, const float *dy, double *db_sum)
{
    const int ohw = s->oh * s->ow;
    const size_t out_sz = (size_t)s->k * ohw;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < s->k; k++) {
        double acc = 0.0;
        for (int i = 0; i < n; i++) {
            const float *r = dy + (size_t)i * out_sz + (size_t)k * ohw;
            double si = 0.0;
            for (int p = 0; p < ohw; p++) si += r[p];
            acc += ddad_sum_grain(si);
        }
        db_sum[k] = acc;
    }
}

/* Where ddad_conv2d_backward keeps its double gradient sums: after what the direct or
 * Winograd kernels use of ws (ddad_conv_workspace_floats counts each). */
static double *gradient_sums(const ddad_conv_shape *s, float *ws)
{
    const size_t used = s->algo == DDAD_CONV_DIRECT         ? ddad_conv_direct_workspace_floats(s)
                        : s->algo == DDAD_CONV_WINOGRAD_FUSED ? ddad_wfused_workspace_floats(s)
                                                              : ddad_winograd_workspace_floats(s);
    return (double *)(void *)(ws + used);
}

/* The three kernels of the layer's algorithm, for the algorithms that are not im2col. */
static void weight_gradient(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *sums, float *ws)
{
    if (s->algo == DDAD_CONV_DIRECT)
        ddad_conv_direct_backward_weight(s, n, x, dy, sums, ws);
    else if (s->algo == DDAD_CONV_WINOGRAD_FUSED)
        ddad_wfused_backward_weight(s, n, x, dy, sums, ws);
    else
        ddad_winograd_backward_weight(s, n, x, dy, sums, ws);
}

static void input_gradient(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx, float *ws)
{
    if (s->algo == DDAD_CONV_DIRECT)
        ddad_conv_direct_backward_data(s, n, w, dy, dx, ws);
    else if (s->algo == DDAD_CONV_WINOGRAD_FUSED)
        ddad_wfused_backward_data(s, n, w, dy, dx, ws);
    else
        ddad_winograd_backward_data(s, n, w, dy, dx, ws);
}

static int own_kernels(const ddad_conv_shape *s)
{
    return s->algo == DDAD_CONV_DIRECT || s->algo == DDAD_CONV_WINOGRAD || s->algo == DDAD_CONV_WINOGRAD_FUSED;
}

/* The arguments of the chunk functions below. */
typedef struct {
    const ddad_conv_shape *s;
    const float *x, *w, *b, *dy;
    float *y, *dx;
    const ddad_conv_epilogue *epi;
} conv_args;

/* The im2col forward of the nb samples from n0, in workspace slot ws. */
static void forward_chunk(const void *args, int n0, int nb, float *ws, float *dw_unused, float *db_unused)
{
    const conv_args *a = args;
    const ddad_conv_shape *s = a->s;
    const float *b = a->b;
    const ddad_conv_epilogue *epi = a->epi;
    const int crs = s->c * s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * ohw;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ohw;
    float *yc = a->y + (size_t)n0 * out_sz;
    ddad_im2col(s, nb, a->x + (size_t)n0 * in_sz, col);
    /* with one sample the [k][nb*p] layout is already NCHW */
    float *dst = nb == 1 ? yc : tmp;
    ddad_sgemm(0, 0, s->k, nb * ohw, crs, 1.0f, a->w, crs, col, nb * ohw, 0.0f, dst, nb * ohw);
    /* the epilogue rides on the permutation when there is one and comes after the bias */
    if (nb != 1) ddad_cnp_to_nchw(nb, s->k, ohw, tmp, yc, b ? NULL : epi);
    if (b) {
#pragma omp parallel for schedule(static)
        for (int pl = 0; pl < nb * s->k; pl++) {
            float bv = b[pl % s->k];
            float *p = yc + (size_t)pl * ohw;
            for (int i = 0; i < ohw; i++) p[i] += bv;
        }
    }
    if (epi && (b || nb == 1)) ddad_conv_apply_epilogue(nb, s->k, ohw, yc, epi);
}

/* The im2col backward of the nb samples from n0 in slot ws: their weight (and bias)
 * gradient into dw_c (db_c), their input gradient into dx. */
static void backward_chunk(const void *args, int n0, int nb, float *ws, float *dw_c, float *db_c)
{
    const conv_args *a = args;
    const ddad_conv_shape *s = a->s;
    const int crs = s->c * s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * ohw;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ohw;
    const float *dyt = ddad_as_cnp(nb, s->k, ohw, a->dy + (size_t)n0 * out_sz, tmp);
    const int np = nb * ohw;
    if (db_c) {
#pragma omp parallel for schedule(static)
        for (int k = 0; k < s->k; k++) {
            const float *r = dyt + (size_t)k * np;
            double acc = 0.0;
            for (int i = 0; i < np; i++) acc += r[i];
            db_c[k] = (float)acc;
        }
    }
    ddad_im2col(s, nb, a->x + (size_t)n0 * in_sz, col);
    ddad_sgemm(0, 1, s->k, crs, np, 1.0f, dyt, np, col, np, 0.0f, dw_c, crs);
    if (a->dx) {
        ddad_sgemm(1, 0, crs, np, s->k, 1.0f, a->w, crs, dyt, np, 0.0f, col, np);
        ddad_col2im(s, nb, col, a->dx + (size_t)n0 * in_sz, NULL);
    }
}

void ddad_conv2d_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *ws)
{
    ddad_conv2d_forward_epi(s, n, x, w, b, y, ws, NULL);
}

void ddad_conv2d_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                             float *ws, const ddad_conv_epilogue *epi)
{
    if (s->algo == DDAD_CONV_DIRECT) {
        ddad_conv_direct_forward(s, n, x, w, b, y, ws);
        if (epi) ddad_conv_apply_epilogue(n, s->k, s->oh * s->ow, y, epi);
        return;
    }
    /* F(2x2, 3x3), not F(4x4): F(4x4)'s output error, 2-4x im2col's, flips a ReLU after
     * BatchNorm in the refine_cin1 parity case (docs/NN.md); F(2x2)'s is below im2col's */
    if (s->algo == DDAD_CONV_WINOGRAD || s->algo == DDAD_CONV_WINOGRAD_FUSED) {
        (s->algo == DDAD_CONV_WINOGRAD_FUSED ? ddad_wfused_forward : ddad_winograd_forward2)(s, n, x, w, b, y, ws);
        if (epi) ddad_conv_apply_epilogue(n, s->k, s->oh * s->ow, y, epi);
        return;
    }
    conv_args a = {.s = s, .x = x, .w = w, .b = b, .y = y, .epi = epi};
    ddad_im2col_run_chunks(s, n, ws, forward_chunk, &a, NULL, NULL);
}

void ddad_conv2d_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db, float *ws)
{
    if (own_kernels(s)) {
        const size_t nw = (size_t)s->k * s->c * s->kh * s->kw;
        double *sums = gradient_sums(s, ws);
        weight_gradient(s, n, x, dy, sums, ws);
        for (size_t j = 0; j < nw; j++) dw[j] = (float)sums[j];
        if (db) {
            bias_sums(s, n, dy, sums);
            for (int k = 0; k < s->k; k++) db[k] = (float)sums[k];
        }
        if (dx) input_gradient(s, n, w, dy, dx, ws);
        return;
    }
    conv_args a = {.s = s, .x = x, .w = w, .dy = dy, .dx = dx};
    ddad_im2col_run_chunks(s, n, ws, backward_chunk, &a, dw, db);
}

void ddad_conv2d_backward_acc(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy,
                              float *dx, double *dw_sum, double *db_sum, float *dw_tmp, float *ws)
{
    const int crs = s->c * s->kh * s->kw, ohw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->c * s->h * s->w, out_sz = (size_t)s->k * ohw;
    const size_t nw = (size_t)s->k * crs;
    if (db_sum) bias_sums(s, n, dy, db_sum);
    if (own_kernels(s)) {
        weight_gradient(s, n, x, dy, dw_sum, ws);
        if (dx) input_gradient(s, n, w, dy, dx, ws);
        return;
    }
    for (int n0 = 0; n0 < n; n0 += s->chunk) {
        int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
        float *col = ws, *tmp = ws + (size_t)crs * nb * ohw;
        const float *dyc = dy + (size_t)n0 * out_sz;
        const int np = nb * ohw;
        ddad_im2col(s, nb, x + (size_t)n0 * in_sz, col);
        /* dW of each sample alone: its dy [k][ohw] (NCHW) times its columns of col */
        for (int i = 0; i < nb; i++) {
            ddad_sgemm(0, 1, s->k, crs, ohw, 1.0f, dyc + (size_t)i * out_sz, ohw, col + (size_t)i * ohw, np, 0.0f,
                       dw_tmp, crs);
            const int first = n0 + i == 0;
            /* element-wise, so the same bits for any thread count; small ones stay serial */
#pragma omp parallel for schedule(static) if (nw >= 32768)
            for (size_t j = 0; j < nw; j++) dw_sum[j] = first ? (double)dw_tmp[j] : dw_sum[j] + (double)dw_tmp[j];
        }
        if (dx) {
            const float *dyt = ddad_as_cnp(nb, s->k, ohw, dyc, tmp);
            ddad_sgemm(1, 0, crs, np, s->k, 1.0f, w, crs, dyt, np, 0.0f, col, np);
            ddad_col2im(s, nb, col, dx + (size_t)n0 * in_sz, NULL);
        }
    }
}

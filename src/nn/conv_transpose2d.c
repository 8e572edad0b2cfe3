#include "nn/conv_transpose2d.h"

#include "nn/gemm.h"

ddad_conv_shape ddad_convt_shape_make(int n, int cin, int hin, int win, int cout, int ksize, int stride, int pad)
{
    int hout = (hin - 1) * stride - 2 * pad + ksize;
    int wout = (win - 1) * stride - 2 * pad + ksize;
    return ddad_conv_shape_make(n, cout, hout, wout, cin, ksize, stride, pad);
}

void ddad_convt_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws)
{
    ddad_convt_forward_epi(s, n, x, w, y, ws, NULL);
}

/* The arguments of the chunk functions below. */
typedef struct {
    const ddad_conv_shape *s;
    const float *x, *w, *dy;
    float *y, *dx;
    const ddad_conv_epilogue *epi;
} convt_args;

/* The forward of the nb samples from n0 in workspace slot ws: a GEMM into columns, then
 * col2im. */
static void forward_chunk(const void *args, int n0, int nb, float *ws, float *dw_unused, float *db_unused)
{
    const convt_args *a = args;
    const ddad_conv_shape *s = a->s;
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;   /* conv-transpose input pixels */
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
    const float *xt = ddad_as_cnp(nb, s->k, ihw, a->x + (size_t)n0 * in_sz, tmp);
    const int np = nb * ihw;
    ddad_sgemm(1, 0, crs, np, s->k, 1.0f, a->w, crs, xt, np, 0.0f, col, np);
    ddad_col2im(s, nb, col, a->y + (size_t)n0 * out_sz, a->epi);
}

/* The backward of the nb samples from n0 in slot ws: their weight gradient into dw_c,
 * their input gradient into dx. */
static void backward_chunk(const void *args, int n0, int nb, float *ws, float *dw_c, float *db_unused)
{
    const convt_args *a = args;
    const ddad_conv_shape *s = a->s;
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
    const int np = nb * ihw;
    ddad_im2col(s, nb, a->dy + (size_t)n0 * out_sz, col);
    const float *xt = ddad_as_cnp(nb, s->k, ihw, a->x + (size_t)n0 * in_sz, tmp);
    ddad_sgemm(0, 1, s->k, crs, np, 1.0f, xt, np, col, np, 0.0f, dw_c, crs);
    if (a->dx) {
        float *dxc = a->dx + (size_t)n0 * in_sz;
        float *dst = nb == 1 ? dxc : tmp;
        ddad_sgemm(0, 0, s->k, np, crs, 1.0f, a->w, crs, col, np, 0.0f, dst, np);
        if (nb != 1) ddad_cnp_to_nchw(nb, s->k, ihw, tmp, dxc, NULL);
    }
}

void ddad_convt_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws,
                            const ddad_conv_epilogue *epi)
{
    convt_args a = {.s = s, .x = x, .w = w, .y = y, .epi = epi};
    ddad_im2col_run_chunks(s, n, ws, forward_chunk, &a, NULL, NULL);
}

void ddad_convt_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *ws)
{
    convt_args a = {.s = s, .x = x, .w = w, .dy = dy, .dx = dx};
    ddad_im2col_run_chunks(s, n, ws, backward_chunk, &a, dw, NULL);
}

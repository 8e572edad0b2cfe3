#include "nn/conv_transpose2d.h"

#include "nn/gemm.h"
#include "nn/threads.h"

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

/* The forward of the chunk from n0 in workspace slot ws: a GEMM into columns, then col2im. */
static void forward_chunk(const ddad_conv_shape *s, int n, int n0, const float *x, const float *w, float *y, float *ws,
                          const ddad_conv_epilogue *epi)
{
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;   /* conv-transpose input pixels */
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    const int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
    const float *xt = ddad_as_cnp(nb, s->k, ihw, x + (size_t)n0 * in_sz, tmp);
    const int np = nb * ihw;
    ddad_sgemm(1, 0, crs, np, s->k, 1.0f, w, crs, xt, np, 0.0f, col, np);
    ddad_col2im(s, nb, col, y + (size_t)n0 * out_sz, epi);
}

/* The backward of the chunk from n0 in slot ws: its weight gradient into dw_c, its input
 * gradient into dx. */
static void backward_chunk(const ddad_conv_shape *s, int n, int n0, const float *x, const float *w, const float *dy,
                           float *dx, float *dw_c, float *ws)
{
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    const int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
    float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
    const int np = nb * ihw;
    ddad_im2col(s, nb, dy + (size_t)n0 * out_sz, col);
    const float *xt = ddad_as_cnp(nb, s->k, ihw, x + (size_t)n0 * in_sz, tmp);
    ddad_sgemm(0, 1, s->k, crs, np, 1.0f, xt, np, col, np, 0.0f, dw_c, crs);
    if (dx) {
        float *dxc = dx + (size_t)n0 * in_sz;
        float *dst = nb == 1 ? dxc : tmp;
        ddad_sgemm(0, 0, s->k, np, crs, 1.0f, w, crs, col, np, 0.0f, dst, np);
        if (nb != 1) ddad_cnp_to_nchw(nb, s->k, ihw, tmp, dxc, NULL);
    }
}

void ddad_convt_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws,
                            const ddad_conv_epilogue *epi)
{
    const int chunks = ddad_im2col_chunks(s, n), team = ddad_im2col_team(s, chunks);
    const size_t slot = ddad_im2col_slot_floats(s);
    if (team == 1) {   /* no enclosing region: the kernels' own loops use the threads */
        for (int ci = 0; ci < chunks; ci++) forward_chunk(s, n, ci * s->chunk, x, w, y, ws, epi);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
    for (int ci = 0; ci < chunks; ci++)
        forward_chunk(s, n, ci * s->chunk, x, w, y, ws + (size_t)ddad_nn_thread_num() * slot, epi);
}

void ddad_convt_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *ws)
{
    const int chunks = ddad_im2col_chunks(s, n), team = ddad_im2col_team(s, chunks);
    if (chunks == 1) {
        backward_chunk(s, n, 0, x, w, dy, dx, dw, ws);
        return;
    }
    const size_t slot = ddad_im2col_slot_floats(s), nw = (size_t)s->k * s->c * s->kh * s->kw;
    if (team == 1) {   /* no enclosing region: the kernels' own loops use the threads */
        for (int ci = 0; ci < chunks; ci++)
            backward_chunk(s, n, ci * s->chunk, x, w, dy, dx, ddad_im2col_partials(s, ws, ci), ws);
    } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
        for (int ci = 0; ci < chunks; ci++)
            backward_chunk(s, n, ci * s->chunk, x, w, dy, dx, ddad_im2col_partials(s, ws, ci),
                           ws + (size_t)ddad_nn_thread_num() * slot);
    }
    /* the chunks' weight gradients, summed in chunk order */
    const size_t stride = (size_t)(ddad_im2col_partials(s, ws, 1) - ddad_im2col_partials(s, ws, 0));
    ddad_sum_chunk_partials(chunks, nw, stride, ddad_im2col_partials(s, ws, 0), dw);
}

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

void ddad_convt_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws,
                            const ddad_conv_epilogue *epi)
{
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;   /* conv-transpose input pixels */
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    for (int n0 = 0; n0 < n; n0 += s->chunk) {
        int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
        float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
        const float *xc = x + (size_t)n0 * in_sz;
        const float *xt = xc;
        if (nb != 1) {
            ddad_nchw_to_cnp(nb, s->k, ihw, xc, tmp);
            xt = tmp;
        }
        const int np = nb * ihw;
        ddad_sgemm(1, 0, crs, np, s->k, 1.0f, w, crs, xt, np, 0.0f, col, np);
        ddad_col2im(s, nb, col, y + (size_t)n0 * out_sz, epi);
    }
}

void ddad_convt_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *ws)
{
    const int crs = s->c * s->kh * s->kw, ihw = s->oh * s->ow;
    const size_t in_sz = (size_t)s->k * ihw, out_sz = (size_t)s->c * s->h * s->w;
    for (int n0 = 0; n0 < n; n0 += s->chunk) {
        int nb = n - n0 < s->chunk ? n - n0 : s->chunk;
        float *col = ws, *tmp = ws + (size_t)crs * nb * ihw;
        const int np = nb * ihw;
        ddad_im2col(s, nb, dy + (size_t)n0 * out_sz, col);
        const float *xc = x + (size_t)n0 * in_sz;
        const float *xt = xc;
        if (nb != 1) {
            ddad_nchw_to_cnp(nb, s->k, ihw, xc, tmp);
            xt = tmp;
        }
        ddad_sgemm(0, 1, s->k, crs, np, 1.0f, xt, np, col, np, n0 == 0 ? 0.0f : 1.0f, dw, crs);
        if (dx) {
            float *dxc = dx + (size_t)n0 * in_sz;
            float *dst = nb == 1 ? dxc : tmp;
            ddad_sgemm(0, 0, s->k, np, crs, 1.0f, w, crs, col, np, 0.0f, dst, np);
            if (nb != 1) ddad_cnp_to_nchw(nb, s->k, ihw, tmp, dxc, NULL);
        }
    }
}

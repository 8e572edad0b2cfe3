/* ConvTranspose2d on NCHW float32, no bias: the adjoint of Conv2d.
 * Weight [cin][cout][kh][kw] (PyTorch's layout). The shape is that of the Conv2d it is
 * the adjoint of: s.c = cout, s.h/s.w = output size, s.k = cin, s.oh/s.ow = input size. */
#ifndef DDAD_NN_CONV_TRANSPOSE2D_H
#define DDAD_NN_CONV_TRANSPOSE2D_H

#include "nn/im2col.h"

/* Shape of ConvTranspose2d(cin -> cout, ksize, stride, pad) on [n][cin][hin][win]. */
ddad_conv_shape ddad_convt_shape_make(int n, int cin, int hin, int win, int cout, int ksize, int stride, int pad);

/* x [n][cin][hin][win] -> y [n][cout][hout][wout]. ws: ddad_conv_workspace_floats(s). */
void ddad_convt_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws);
/* The same, with the epilogue applied to y when epi is non-NULL. */
void ddad_convt_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, float *y, float *ws,
                            const ddad_conv_epilogue *epi);
/* Overwrites dw, and dx when non-NULL. */
void ddad_convt_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *ws);

#endif

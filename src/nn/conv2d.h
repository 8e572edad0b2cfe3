/* Conv2d on NCHW float32: y = conv(x, w) + b, weight [k][c][kh][kw], optional bias [k].
 * Lowered to im2col + SGEMM over chunks of samples (see im2col.h). */
#ifndef DDAD_NN_CONV2D_H
#define DDAD_NN_CONV2D_H

#include "nn/im2col.h"

/* x [n][c][h][w] -> y [n][k][oh][ow]; b may be NULL. ws: ddad_conv_workspace_floats(s). */
void ddad_conv2d_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *ws);

/* The same, with the epilogue (eval-mode BatchNorm + ReLU) applied to y when epi is
 * non-NULL. */
void ddad_conv2d_forward_epi(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                             float *ws, const ddad_conv_epilogue *epi);

/* Overwrites dw (and db when non-NULL) with the gradients, and dx when non-NULL. */
void ddad_conv2d_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db, float *ws);

/* Backward with batch-split-invariant parameter gradients (data-parallel training).
 * dw_sum [k][c][kh][kw] (and db_sum [k] when non-NULL) are overwritten with this call's
 * sums over its samples in double: each sample's dW is one GEMM of its own (beta 0) into
 * the float scratch dw_tmp (k*c*kh*kw floats), each sample's db a double sum, both added
 * into the double sums in sample order. A sample's contribution therefore does not depend
 * on which samples share its call or chunk, and splitting a batch across ranks changes
 * the gradient only by double rounding. dx (when non-NULL) is computed as in
 * ddad_conv2d_backward, per chunk; a chunk's GEMM results may depend on its size (BLAS
 * kernel paths), so for a split-invariant dx (and forward) give s->chunk = 1.
 * ws: ddad_conv_workspace_floats(s). */
void ddad_conv2d_backward_acc(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy,
                              float *dx, double *dw_sum, double *db_sum, float *dw_tmp, float *ws);

#endif

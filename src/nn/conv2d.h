/* Conv2d on NCHW float32: y = conv(x, w) + b, weight [k][c][kh][kw], optional bias [k].
 * Lowered to im2col + SGEMM over chunks of samples (see im2col.h). */
#ifndef DDAD_NN_CONV2D_H
#define DDAD_NN_CONV2D_H

#include "nn/im2col.h"

/* x [n][c][h][w] -> y [n][k][oh][ow]; b may be NULL. ws: ddad_conv_workspace_floats(s). */
void ddad_conv2d_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *ws);

/* Overwrites dw (and db when non-NULL) with the gradients, and dx when non-NULL. */
void ddad_conv2d_backward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db, float *ws);

#endif

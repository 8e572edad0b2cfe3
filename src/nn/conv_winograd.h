/* Winograd convolution for 3x3, stride-1, pad-1 layers with many channels (the refiner's
 * 128 -> 128 layer). The element-wise products become GEMMs over channels, one per
 * transform position, and each output tile costs fewer multiplies than a direct 3x3.
 *
 * - Forward and input gradient: F(4x4, 3x3), 36 GEMMs [K x C] x [C x tiles] per chunk,
 *   4x fewer multiplies than direct. Transform points 0, 1, -1, 2, -1/2 (and
 *   infinity): against a float64 direct convolution the float32 error is about 1.7e-6 of the
 *   output's largest magnitude for 128 input channels, 2.3x smaller than with the textbook
 *   points 0, +-1, +-2. The input gradient is the forward transform applied to dy with the
 *   flipped, channel-swapped kernel.
 * - Weight gradient: F(2x2, 3x3) adjoint transforms (2.25x fewer multiplies), per sample
 *   16 GEMMs [K x tiles] x [tiles x C], transformed back to 3x3 in double and rounded to
 *   float, then summed over samples in double (exactly: the grouping of samples across
 *   ranks does not change a bit). Its error stays near a direct GEMM's.
 * ddad_conv2d runs the forward pass by im2col (see conv2d.c for why).
 *
 * Every result is independent of the thread count (threads split planes, tiles and the
 * GEMMs, never a sum), and with s->chunk = 1 each sample's results are independent of the
 * other samples in the call. */
#ifndef DDAD_NN_CONV_WINOGRAD_H
#define DDAD_NN_CONV_WINOGRAD_H

#include "nn/im2col.h"

/* Whether the Winograd kernels handle this shape (3x3, stride 1, pad 1). */
int ddad_winograd_applies(const ddad_conv_shape *s);

/* Floats of workspace the calls below need for s (chunks of s->chunk samples). */
size_t ddad_winograd_workspace_floats(const ddad_conv_shape *s);

/* y [n][k][h][w] = conv(x, w) (+ b[k] when b is non-NULL). */
void ddad_winograd_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                           float *ws);

/* dx [n][c][h][w] = the input gradient of dy (overwritten). */
void ddad_winograd_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                 float *ws);

/* dw_sum [k][c][3][3] = the weight gradient over the n samples, in double (overwritten):
 * per sample in float, summed over samples in order in double. */
void ddad_winograd_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *dw_sum,
                                   float *ws);

#endif

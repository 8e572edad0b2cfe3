/* Direct (im2col-free) stride-1 convolution for layers with few output channels, such as
 * the refiner's 128 -> 2 output layer: there a GEMM has only 1-4 rows, so BLAS runs far
 * below its peak and the column matrix costs more than the arithmetic. Every output is
 * summed in a fixed order (input channel, kernel row, kernel column), whatever the thread
 * count or the batch. */
#ifndef DDAD_NN_CONV_DIRECT_H
#define DDAD_NN_CONV_DIRECT_H

#include "nn/im2col.h"

/* Output channels up to which ddad_conv2d uses the direct kernels (stride 1 only). */
#define DDAD_CONV_DIRECT_MAX_K 4

/* Workspace (floats) the calls below take: the flipped kernel of the input gradient and
 * one sample's zero-padded planes. Where the output width is a multiple of 16 they copy
 * each sample's planes there and run vector kernels; with other widths, or ws NULL
 * (forward and weight gradient only), they run the row kernels. */
size_t ddad_conv_direct_workspace_floats(const ddad_conv_shape *s);

/* y [n][k][oh][ow] = conv(x, w) (+ b[k] when b is non-NULL). */
void ddad_conv_direct_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b,
                              float *y, float *ws);

/* dx [n][c][h][w] = the input gradient of dy (overwritten). */
void ddad_conv_direct_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                    float *ws);

/* dw_sum [k][c][kh][kw] = sum over samples, in sample order, of each sample's weight
 * gradient (summed over output rows in float per column, then over columns in double,
 * then rounded to float), in double (overwritten). A sample's contribution does not
 * depend on the others, and the double sums of floats are exact, so grouping the samples
 * differently (across ranks) gives the same bits. */
void ddad_conv_direct_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy,
                                      double *dw_sum, float *ws);
/* The row kernel of the same (any width). */
void ddad_conv_direct_backward_weight_rows(const ddad_conv_shape *s, int n, const float *x, const float *dy,
                                           double *dw_sum);

#endif

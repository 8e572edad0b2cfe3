/* Softmax over the channels of an NCHW tensor, at every pixel. */
#ifndef DDAD_NN_SOFTMAX_H
#define DDAD_NN_SOFTMAX_H

void ddad_softmax_channels_forward(int n, int c, int hw, const float *x, float *y);
/* dx = y * (dy - sum_c y_c dy_c); y is the forward output. dx may alias dy. */
void ddad_softmax_channels_backward(int n, int c, int hw, const float *y, const float *dy, float *dx);

#endif

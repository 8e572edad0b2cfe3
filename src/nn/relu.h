/* ReLU. (The networks fuse it into BatchNorm; this stand-alone layer is the reference.) */
#ifndef DDAD_NN_RELU_H
#define DDAD_NN_RELU_H

#include <stddef.h>

void ddad_relu_forward(size_t count, const float *x, float *y);
/* dx = dy where y > 0, else 0 (y is the forward output). dx may alias dy. */
void ddad_relu_backward(size_t count, const float *y, const float *dy, float *dx);

#endif

/* Linear with bias: y [n][out] = x [n][in] W^T + b, W [out][in] (PyTorch's layout). */
#ifndef DDAD_NN_LINEAR_H
#define DDAD_NN_LINEAR_H

void ddad_linear_forward(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
/* Overwrites dw, db, and dx when non-NULL. */
void ddad_linear_backward(int n, int in, int out, const float *x, const float *w, const float *dy, float *dx,
                          float *dw, float *db);

#endif

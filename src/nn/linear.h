/* Linear with bias: y [n][out] = x [n][in] W^T + b, W [out][in] (PyTorch's layout). */
#ifndef DDAD_NN_LINEAR_H
#define DDAD_NN_LINEAR_H

/* Batches up to this size use a dot-product kernel whose result for a sample does not
 * depend on n; larger ones an SGEMM. */
#define DDAD_LINEAR_FEW 4

void ddad_linear_forward(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
/* The same, each row's output bit-identical for any n (the small-batch kernel always). */
void ddad_linear_forward_rows(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
/* Overwrites dw, db, and dx when non-NULL. */
void ddad_linear_backward(int n, int in, int out, const float *x, const float *w, const float *dy, float *dx,
                          float *dw, float *db);

#endif

/* BatchNorm (2d and 1d: a 1d input [n][c] is hw = 1), optionally fused with the ReLU
 * that follows it. Train mode normalises with the batch statistics (biased variance) and
 * updates the running statistics (unbiased variance, momentum 0.1); eval mode uses the
 * running statistics. eps 1e-5.
 *
 * Synchronised statistics: per-channel sums are accumulated in double (sum x and sum x^2
 * forward; sum dy and sum dy*xhat backward), passed through the optional reducer, and
 * divided by the GLOBAL element count. With red == NULL and global_count = n*hw this is
 * the ordinary single-process BatchNorm. */
#ifndef DDAD_NN_BATCHNORM_H
#define DDAD_NN_BATCHNORM_H

#include "nn/reducer.h"

#define DDAD_BN_EPS 1e-5
#define DDAD_BN_MOMENTUM 0.1

typedef struct {
    int n, c, hw;
} ddad_bn_shape;

/* y = [relu](gamma * (x - mean) * invstd + beta). save_mean / save_invstd [c] keep the
 * batch statistics for the backward pass; stats is double workspace [2c]. */
void ddad_bn_forward_train(const ddad_bn_shape *s, const float *x, const float *gamma, const float *beta, int relu,
                           float *y, float *running_mean, float *running_var, float *save_mean, float *save_invstd,
                           double *stats, double global_count, const ddad_reducer *red);

/* Eval mode as an affine map per channel: y = x * scale[c] + shift[c] (what
 * ddad_bn_forward_eval applies; a convolution epilogue can apply it instead). */
void ddad_bn_eval_affine(int c, const float *gamma, const float *beta, const float *running_mean,
                         const float *running_var, float *scale, float *shift);

void ddad_bn_forward_eval(const ddad_bn_shape *s, const float *x, const float *gamma, const float *beta, int relu,
                          const float *running_mean, const float *running_var, float *y);

/* Backward of the train-mode forward. y is the forward output when relu was fused (its
 * sign masks dy), else NULL. dx may alias dy. dgamma / dbeta get this process's part
 * (sum over ranks = the gradient). stats: double workspace [2c]. */
void ddad_bn_backward(const ddad_bn_shape *s, const float *x, const float *y, const float *dy, const float *gamma,
                      const float *save_mean, const float *save_invstd, float *dx, float *dgamma, float *dbeta,
                      double *stats, double global_count, const ddad_reducer *red);

/* As ddad_bn_backward, with this process's dgamma / dbeta [c] left in double (the sums
 * before any rounding to float; each sample's 256-element blocks are flushed into double,
 * so a sample's contribution does not depend on the other samples of this process).
 * Summing them over ranks and rounding once gives a split-invariant gradient. */
void ddad_bn_backward_acc(const ddad_bn_shape *s, const float *x, const float *y, const float *dy, const float *gamma,
                          const float *save_mean, const float *save_invstd, float *dx, double *dgamma_sum,
                          double *dbeta_sum, double *stats, double global_count, const ddad_reducer *red);

#endif

/* Losses. Each returns the loss and, when grad is non-NULL, writes d loss / d input.
 * Sums are taken in double, serially, so the result does not depend on threads. */
#ifndef DDAD_NN_LOSS_H
#define DDAD_NN_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* mean((out - x)^2) over count elements. */
float ddad_mse_loss(size_t count, const float *out, const float *x, float *grad);

/* AE-U: out [n][2][hw] (mean, logvar), x [n][1][hw]:
 * mean(exp(-logvar) * (mean - x)^2) + mean(logvar). rec_err (if non-NULL): mean((mean - x)^2). */
float ddad_aeu_loss(int n, int hw, const float *out, const float *x, float *grad, float *rec_err);

/* Focal loss (gamma 2, alpha 1, smoothing s = 1e-5, two classes) on softmax probabilities
 * prob [n][2][hw] and 0/1 targets [n][hw]: sum over pixels of -(1-pt)^2 log(pt), divided
 * by norm_count (the global pixel count; n*hw on one process). */
float ddad_focal_loss(int n, int hw, const float *prob, const uint8_t *target, double norm_count, float *grad);

#endif

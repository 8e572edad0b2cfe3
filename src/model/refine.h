/* The anomaly score refinement network (ASR-Net):
 * Conv3x3(C_in->128)+BN+ReLU, Conv3x3(128->128)+BN+ReLU, Conv3x3(128->2), channel softmax.
 *
 * Data-parallel training: each rank runs forward_backward on its share of the global
 * batch. BatchNorm statistics (forward sums, and the backward sums) go through `red`, so
 * N ranks normalise with the statistics of the whole global batch and make the same update
 * as one rank. The focal loss is normalised by the global pixel count, so summing the
 * ranks' gradients gives the gradient of the global mean loss.
 *
 * Split invariance: every cross-sample sum of a parameter gradient is formed per sample and
 * accumulated in double (ddad_refine_grad_sums), so the summed gradient does not depend on
 * how the global batch is split across ranks, up to double rounding. The recipe for one
 * data-parallel step:
 *     ddad_refine_forward_backward(r, in, target, local_batch, global_batch, &red);
 *     double *sum = ddad_refine_grad_sums(r);
 *     MPI_Allreduce(MPI_IN_PLACE, sum, n_params, MPI_DOUBLE, MPI_SUM, comm);
 *     for (i = 0; i < n_params; i++) ps->grads[i] = (float)sum[i];
 *     ddad_adam_step(ps, &cfg);
 * (All-reducing the float grads instead rounds each rank's part to float first, so the
 * result then depends on the split by float rounding.) */
#ifndef DDAD_MODEL_REFINE_H
#define DDAD_MODEL_REFINE_H

#include <stdint.h>

#include "model/adam.h"
#include "model/paramset.h"
#include "nn/reducer.h"   /* ddad_reducer */


typedef struct ddad_refine ddad_refine;

ddad_refine *ddad_refine_create(int in_channels, int height, int width, int max_batch, int training);
void ddad_refine_free(ddad_refine *r);
ddad_paramset *ddad_refine_paramset(ddad_refine *r);

void ddad_refine_init(ddad_refine *r, uint64_t seed);

/* Train mode. in: [local_batch, C_in, H, W]; target: [local_batch, H, W] of 0/1.
 * Writes this rank's gradient contribution to ddad_refine_grad_sums (double) and, rounded
 * to float, to the grads buffer; returns this rank's part of the global mean loss (sum
 * over ranks = the loss). */
float ddad_refine_forward_backward(ddad_refine *r, const float *in, const uint8_t *target, int local_batch,
                                   int global_batch, const ddad_reducer *red);

/* Train mode only: this rank's parameter gradient in double [n_params], as left by the last
 * ddad_refine_forward_backward (which also writes it, rounded to float, to the grads
 * buffer). The caller may overwrite it (e.g. all-reduce it in place). NULL when the
 * network was created with training = 0. */
double *ddad_refine_grad_sums(ddad_refine *r);

/* Eval mode (running statistics). prob1: [batch, H, W], the softmax probability of class 1. */
void ddad_refine_infer(ddad_refine *r, const float *in, int batch, float *prob1);

/* The softmax probabilities [batch, 2, H, W] of the last forward; valid until the next call. */
const float *ddad_refine_prob(const ddad_refine *r);

#endif

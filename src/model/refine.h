/* The anomaly score refinement network (ASR-Net):
 * Conv3x3(C_in->128)+BN+ReLU, Conv3x3(128->128)+BN+ReLU, Conv3x3(128->2), channel softmax.
 *
 * Data-parallel training: each rank runs forward_backward on its share of the global
 * batch. BatchNorm statistics (forward sums, and the backward sums) go through `red`, so
 * N ranks normalise with the statistics of the whole global batch and make the same update
 * as one rank. The focal loss is normalised by the global pixel count, so summing the
 * ranks' gradients gives the gradient of the global mean loss. */
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
 * Writes this rank's gradient contribution to the grads buffer and returns this rank's
 * part of the global mean loss (sum over ranks = the loss). */
float ddad_refine_forward_backward(ddad_refine *r, const float *in, const uint8_t *target, int local_batch,
                                   int global_batch, const ddad_reducer *red);

/* Eval mode (running statistics). prob1: [batch, H, W], the softmax probability of class 1. */
void ddad_refine_infer(ddad_refine *r, const float *in, int batch, float *prob1);

/* The softmax probabilities [batch, 2, H, W] of the last forward; valid until the next call. */
const float *ddad_refine_prob(const ddad_refine *r);

#endif

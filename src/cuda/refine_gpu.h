/* The refinement network on the GPU, mirroring model/refine.h: the same flat parameter
 * layout, synchronised BatchNorm through a device reducer (NCCL), the focal loss
 * normalised by the global pixel count. Only enqueues on ctx->stream (upload/download
 * synchronise). */
#ifndef DDAD_CUDA_REFINE_GPU_H
#define DDAD_CUDA_REFINE_GPU_H

#include <stdint.h>

#include "cuda/gpu_ctx.h"
#include "cuda/reducer_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "model/adam.h"
#include "model/paramset.h"
#include "model/refine.h"

typedef struct ddad_refine_gpu ddad_refine_gpu;

ddad_refine_gpu *ddad_refine_gpu_create(ddad_gpu_ctx *ctx, int in_channels, int height, int width, int max_batch,
                                        int training);
void ddad_refine_gpu_free(ddad_refine_gpu *r);
const ddad_paramset *ddad_refine_gpu_layout(const ddad_refine_gpu *r);
void ddad_refine_gpu_upload(ddad_refine_gpu *r, const ddad_paramset *src);
void ddad_refine_gpu_download(ddad_refine_gpu *r, ddad_paramset *dst);

/* Train mode. d_in [local_batch][C_in][H][W], d_target [local_batch][H][W] (0/1 bytes).
 * Gradients (this rank's part) in the grads buffer; this rank's part of the global mean
 * loss in the device scalar ddad_refine_gpu_loss. */
void ddad_refine_gpu_forward_backward(ddad_refine_gpu *r, const float *d_in, const uint8_t *d_target, int local_batch,
                                      int global_batch, const ddad_gpu_reducer *red);
/* Adam on the (already all-reduced) gradients. */
void ddad_refine_gpu_adam(ddad_refine_gpu *r, const ddad_adam_cfg *opt);
/* Eval mode. d_prob1 [batch][H][W]: softmax probability of class 1. */
void ddad_refine_gpu_infer(ddad_refine_gpu *r, const float *d_in, int batch, float *d_prob1);

const float *ddad_refine_gpu_prob(const ddad_refine_gpu *r);   /* [batch][2][H][W] of the last forward */
const float *ddad_refine_gpu_loss(const ddad_refine_gpu *r);
float *ddad_refine_gpu_grads(ddad_refine_gpu *r);
/* After forward_backward: the gradients at the outputs of convolutions 0 and 1 (the
 * BatchNorm inputs, [batch][128][H][W]) and convolution 1's input activations. Tests bound
 * the rounding of those convolutions' weight gradients with them. */
void ddad_refine_gpu_backward_views(const ddad_refine_gpu *r, const float **dz0, const float **dz1,
                                    const float **a0);
size_t ddad_refine_gpu_n_params(const ddad_refine_gpu *r);
int ddad_refine_gpu_in_channels(const ddad_refine_gpu *r);

#ifdef __cplusplus
}
#endif

#endif

/* The AE / AE-U on the GPU, mirroring model/ae.h. Parameters, gradients and Adam moments
 * are each one device buffer with exactly the host paramset's flat layout, so a CPU
 * initialisation or a checkpoint moves in with one cudaMemcpy per buffer.
 *
 * Every function below only enqueues work on ctx->stream (except upload/download, which
 * synchronise); losses stay on the device (ddad_ae_gpu_loss) so a step can be captured in
 * a CUDA graph (see ae_train_gpu.h). */
#ifndef DDAD_CUDA_AE_GPU_H
#define DDAD_CUDA_AE_GPU_H

#include <stdint.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "model/adam.h"
#include "model/ae.h"
#include "model/paramset.h"

typedef struct ddad_ae_gpu ddad_ae_gpu;

/* Device buffers for batches up to max_batch; training = 0: no gradients or moments. */
ddad_ae_gpu *ddad_ae_gpu_create(ddad_gpu_ctx *ctx, const ddad_ae_shape *shape, int max_batch, int training);
void ddad_ae_gpu_free(ddad_ae_gpu *ae);

/* The host-side layout (names, shapes, offsets): a paramset of the same network on the CPU. */
const ddad_paramset *ddad_ae_gpu_layout(const ddad_ae_gpu *ae);

/* Copies parameters, BatchNorm buffers, counters (and Adam moments when both sides have
 * them) from a host paramset of the same layout, or back. Ends the job naming the first
 * tensor that differs when the layouts do not match. Both synchronise the stream. */
void ddad_ae_gpu_upload(ddad_ae_gpu *ae, const ddad_paramset *src);
void ddad_ae_gpu_download(ddad_ae_gpu *ae, ddad_paramset *dst);

ddad_gpu_ctx *ddad_ae_gpu_context(ddad_ae_gpu *ae);
int ddad_ae_gpu_img_size(const ddad_ae_gpu *ae);
int ddad_ae_gpu_max_batch(const ddad_ae_gpu *ae);
int ddad_ae_gpu_out_channels(const ddad_ae_gpu *ae);   /* 1 (AE) or 2 (AE-U) */

/* Device input buffer [max_batch][1][H][W] (the captured training step reads it). */
float *ddad_ae_gpu_input(ddad_ae_gpu *ae);
/* Device output [batch][C_out][H][W] of the last forward. */
const float *ddad_ae_gpu_output(const ddad_ae_gpu *ae);
/* Device [batch][*per_sample]: the output of BatchNorm + ReLU layer i (0 to
 * DDAD_AE_N_RELU - 1, in model/ae.h's order) in the last forward. */
const float *ddad_ae_gpu_relu_output(const ddad_ae_gpu *ae, int i, size_t *per_sample);
/* Device scalars: the last loss, and the reconstruction error mean((mean - x)^2). */
const float *ddad_ae_gpu_loss(const ddad_ae_gpu *ae);
const float *ddad_ae_gpu_rec_err(const ddad_ae_gpu *ae);
/* Device flat buffers (n_params floats): parameters and gradients. */
float *ddad_ae_gpu_params(ddad_ae_gpu *ae);
float *ddad_ae_gpu_grads(ddad_ae_gpu *ae);

/* Freezes the network for eval-mode forwards (the frozen members of the refiner stage):
 * BatchNorm's affine maps are computed once here instead of in every forward. Any upload
 * or train-mode call unfreezes it. */
void ddad_ae_gpu_freeze(ddad_ae_gpu *ae);

/* Forward in train mode (batch statistics, running stats updated) or eval mode; d_x is
 * [batch][1][H][W] on the device. When d_out is non-NULL the output is also copied there. */
void ddad_ae_gpu_forward(ddad_ae_gpu *ae, const float *d_x, int batch, int train_mode, float *d_out);
/* Forward (train mode), loss, backward: gradients in the grads buffer. */
void ddad_ae_gpu_forward_backward(ddad_ae_gpu *ae, const float *d_x, int batch);
/* forward_backward, then Adam. */
void ddad_ae_gpu_train_step(ddad_ae_gpu *ae, const float *d_x, int batch, const ddad_adam_cfg *opt);

#ifdef __cplusplus
}
#endif

#endif

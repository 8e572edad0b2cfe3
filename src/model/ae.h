/* The backbone autoencoders: AE (one output channel) and AE-U (mean and log-variance).
 * Architecture, initialisation and losses as in docs/METHOD.md; tensors are NCHW float32. */
#ifndef DDAD_MODEL_AE_H
#define DDAD_MODEL_AE_H

#include <stdint.h>

#include "model/adam.h"
#include "model/paramset.h"

typedef struct {
    int img_size;     /* multiple of 16 */
    double mp;        /* channel multiplier: channels are int(16*mp), int(32*mp), int(64*mp) */
    int ls;           /* latent size */
    int unc;          /* 1 for AE-U (2 output channels) */
} ddad_ae_shape;

typedef struct ddad_ae ddad_ae;

/* training = 0 builds an inference-only network: no gradient or Adam buffers.
 * All workspace is allocated here, for batches up to max_batch: steps do not allocate. */
ddad_ae *ddad_ae_create(const ddad_ae_shape *shape, int max_batch, int training);
void ddad_ae_free(ddad_ae *ae);
ddad_paramset *ddad_ae_paramset(ddad_ae *ae);
const ddad_ae_shape *ddad_ae_get_shape(const ddad_ae *ae);

/* PyTorch's default initialisation drawn from the stream (seed, module, member, DDAD_RNG_INIT). */
void ddad_ae_init(ddad_ae *ae, uint64_t seed, int module, int member);

/* One training step in train mode: forward, loss (MSE, or the AE-U loss), backward, Adam.
 * x is [batch,1,H,W]. Returns the loss. For AE-U, *rec_err (if non-NULL) gets mean((mean-x)^2). */
float ddad_ae_train_step(ddad_ae *ae, const float *x, int batch, const ddad_adam_cfg *opt, float *rec_err);

/* Forward and backward without the optimiser (tests, gradient checks): leaves gradients in
 * the paramset's grads and returns the loss. */
float ddad_ae_forward_backward(ddad_ae *ae, const float *x, int batch);

/* Forward in train mode (batch statistics, running stats updated) or eval mode.
 * out is [batch, C_out, H, W]; for AE-U channel 0 is the mean and channel 1 the log-variance. */
void ddad_ae_forward(ddad_ae *ae, const float *x, int batch, int train_mode, float *out);

/* Eval-mode forward in which every sample's output is bit-identical to a forward of that
 * sample alone, for any batch: one sample per convolution GEMM, and linear layers whose
 * outputs are dot products in a fixed order (each weight row still read once for all
 * samples). The refiner's frozen members use it, so that the refiner's input does not
 * depend on how its batch is split across ranks. */
void ddad_ae_forward_per_sample(ddad_ae *ae, const float *x, int batch, float *out);

/* The output [batch, C_out, H, W] of the last forward (train_step, forward_backward or
 * forward); valid until the next call. */
const float *ddad_ae_output(const ddad_ae *ae);

/* The outputs of the network's DDAD_AE_N_RELU BatchNorm + ReLU layers in the last forward,
 * in forward order (encoder 0-3, linear_enc, linear_dec, decoder 0-2): layer i is
 * [batch][*per_sample]. Tests use them to find where the GPU and the CPU took different
 * sides of a ReLU's kink, where gradients are discontinuous. */
#define DDAD_AE_N_RELU 9
const float *ddad_ae_relu_output(const ddad_ae *ae, int i, size_t *per_sample);

#endif

/* Adam over one parameter buffer on the GPU, with model/adam.h's semantics (PyTorch: L2
 * weight decay added to the gradient, bias correction, optional clip_grad_norm_).
 * The step counter lives on the device (d_step, an int64 mirroring ddad_paramset.step), so
 * a captured graph replays correct bias corrections. Three launches: squared-gradient
 * partials (only with clipping), a one-block kernel for the step's coefficients, and one
 * fused elementwise kernel over the whole buffer. */
#ifndef DDAD_CUDA_ADAM_GPU_H
#define DDAD_CUDA_ADAM_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "model/adam.h"

void ddad_adam_step_gpu(ddad_gpu_ctx *ctx, size_t n, float *params, float *grads, float *m, float *v,
                        int64_t *d_step, const ddad_adam_cfg *cfg);

#ifdef __cplusplus
}
#endif

#endif

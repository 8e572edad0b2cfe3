/* PyTorch's Adam over one parameter buffer: L2 weight decay added to the gradient
 * (g += wd * theta, not decoupled), bias correction, eps 1e-8; optional gradient-norm
 * clipping as torch.nn.utils.clip_grad_norm_. */
#ifndef DDAD_MODEL_ADAM_H
#define DDAD_MODEL_ADAM_H

#include "model/paramset.h"

typedef struct {
    float lr;
    float beta1, beta2;     /* default 0.5, 0.999 */
    float eps;              /* 1e-8 */
    float weight_decay;
    float grad_clip;        /* <= 0: no clipping */
} ddad_adam_cfg;

ddad_adam_cfg ddad_adam_defaults(float lr, float weight_decay);
/* Clips (when configured) and applies one step to ps->params using ps->grads; increments ps->step. */
void ddad_adam_step(ddad_paramset *ps, const ddad_adam_cfg *cfg);

#endif

#include "model/adam.h"

#include <math.h>

ddad_adam_cfg ddad_adam_defaults(float lr, float weight_decay)
{
    ddad_adam_cfg c = {.lr = lr, .beta1 = 0.5f, .beta2 = 0.999f, .eps = 1e-8f,
                       .weight_decay = weight_decay, .grad_clip = 0.0f};
    return c;
}

/* L2 norm of the whole gradient, summed serially in double: independent of threads. */
static double grad_norm(const float *g, size_t n)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++) total += (double)g[i] * g[i];
    return sqrt(total);
}

void ddad_adam_step(ddad_paramset *ps, const ddad_adam_cfg *cfg)
{
    const size_t n = ps->n_params;
    float *p = ps->params, *g = ps->grads, *m = ps->adam_m, *v = ps->adam_v;
    float gscale = 1.0f;
    if (cfg->grad_clip > 0.0f) {
        /* torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1 */
        double norm = grad_norm(g, n);
        float coef = (float)((double)cfg->grad_clip / (norm + 1e-6));
        if (coef < 1.0f) gscale = coef;
    }
    ps->step++;
    const double step = (double)ps->step;
    const double bc1 = 1.0 - pow((double)cfg->beta1, step);
    const double bc2 = 1.0 - pow((double)cfg->beta2, step);
    const float step_size = (float)((double)cfg->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float b1 = cfg->beta1, b2 = cfg->beta2, wd = cfg->weight_decay, eps = cfg->eps;
    const float omb1 = (float)(1.0 - (double)b1), omb2 = (float)(1.0 - (double)b2);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        if (gscale != 1.0f) {
            gi *= gscale;
            g[i] = gi;
        }
        if (wd != 0.0f) gi += wd * p[i];
        m[i] = m[i] * b1 + omb1 * gi;
        v[i] = v[i] * b2 + omb2 * gi * gi;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * (m[i] / denom);
    }
}

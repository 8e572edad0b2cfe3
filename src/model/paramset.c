#include "model/paramset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/util.h"

void ddad_paramset_reset(ddad_paramset *ps) { memset(ps, 0, sizeof *ps); }

static size_t add_desc(ddad_tensor_desc *descs, int *count, size_t *total, const char *name, int ndim,
                       const int *shape)
{
    if (*count >= DDAD_MAX_TENSORS)
        ddad_fatal(DDAD_EXIT_RUNTIME, "paramset: more than %d tensors (adding %s)", DDAD_MAX_TENSORS, name);
    if (strlen(name) >= DDAD_TENSOR_NAME_MAX)
        ddad_fatal(DDAD_EXIT_RUNTIME, "paramset: tensor name too long: %s", name);
    ddad_tensor_desc *d = &descs[(*count)++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->ndim = ndim;
    d->count = 1;
    for (int i = 0; i < ndim; i++) {
        d->shape[i] = shape[i];
        d->count *= (size_t)shape[i];
    }
    d->offset = *total;
    *total += d->count;
    return d->offset;
}

size_t ddad_paramset_add_param(ddad_paramset *ps, const char *name, int ndim, const int *shape)
{
    return add_desc(ps->param_desc, &ps->n_param_desc, &ps->n_params, name, ndim, shape);
}

size_t ddad_paramset_add_buffer(ddad_paramset *ps, const char *name, int ndim, const int *shape)
{
    return add_desc(ps->buffer_desc, &ps->n_buffer_desc, &ps->n_buffers, name, ndim, shape);
}

static float *alloc_zero(size_t n, const char *what)
{
    float *p = ddad_malloc_aligned((n ? n : 1) * sizeof(float), what);
    memset(p, 0, (n ? n : 1) * sizeof(float));
    return p;
}

void ddad_paramset_alloc(ddad_paramset *ps, int training)
{
    ps->params = alloc_zero(ps->n_params, "parameters");
    ps->buffers = alloc_zero(ps->n_buffers, "BatchNorm buffers");
    if (training) {
        ps->grads = alloc_zero(ps->n_params, "gradients");
        ps->adam_m = alloc_zero(ps->n_params, "Adam first moments");
        ps->adam_v = alloc_zero(ps->n_params, "Adam second moments");
    }
}

void ddad_paramset_release(ddad_paramset *ps)
{
    free(ps->params);
    free(ps->grads);
    free(ps->adam_m);
    free(ps->adam_v);
    free(ps->buffers);
    ps->params = ps->grads = ps->adam_m = ps->adam_v = ps->buffers = NULL;
}

static int find(const ddad_tensor_desc *d, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0) return i;
    return -1;
}

int ddad_paramset_find_param(const ddad_paramset *ps, const char *name)
{
    return find(ps->param_desc, ps->n_param_desc, name);
}

int ddad_paramset_find_buffer(const ddad_paramset *ps, const char *name)
{
    return find(ps->buffer_desc, ps->n_buffer_desc, name);
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void ddad_paramset_init_uniform(ddad_paramset *ps, int index, double bound, uint64_t seed, int module, int member)
{
    const ddad_tensor_desc *d = &ps->param_desc[index];
    ddad_rng rng;
    ddad_rng_init(&rng, seed, (uint32_t)module, (uint32_t)member, DDAD_RNG_INIT, name_hash(d->name));
    float *p = ps->params + d->offset;
    for (size_t i = 0; i < d->count; i++) p[i] = (float)((2.0 * ddad_rng_uniform(&rng) - 1.0) * bound);
}

void ddad_paramset_fill(ddad_paramset *ps, int index, float value)
{
    const ddad_tensor_desc *d = &ps->param_desc[index];
    for (size_t i = 0; i < d->count; i++) ps->params[d->offset + i] = value;
}

int ddad_paramset_copy(ddad_paramset *dst, const ddad_paramset *src)
{
    if (dst->n_params != src->n_params || dst->n_buffers != src->n_buffers) return -1;
    memcpy(dst->params, src->params, sizeof(float) * src->n_params);
    if (src->n_buffers) memcpy(dst->buffers, src->buffers, sizeof(float) * src->n_buffers);
    if (dst->adam_m && src->adam_m) {
        memcpy(dst->adam_m, src->adam_m, sizeof(float) * src->n_params);
        memcpy(dst->adam_v, src->adam_v, sizeof(float) * src->n_params);
    }
    dst->num_batches_tracked = src->num_batches_tracked;
    dst->step = src->step;
    return 0;
}

// Device copies of a paramset, with layout checks on every transfer.
#include <string.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_paramset.h"
#include "cuda/kernels.cuh"

static size_t fbytes(size_t n) { return n * sizeof(float); }

extern "C" void ddad_gpu_paramset_alloc(ddad_gpu_paramset *d, const ddad_paramset *layout, int training,
                                        const char *what)
{
    memset(d, 0, sizeof *d);
    d->layout = layout;
    d->training = training;
    d->params = (float *)ddad_gpu_malloc(fbytes(layout->n_params), what);
    d->buffers = (float *)ddad_gpu_malloc(fbytes(layout->n_buffers), what);
    d->counters = (int64_t *)ddad_gpu_malloc(2 * sizeof(int64_t), what);
    DDAD_CHECK_CUDA(cudaMemset(d->counters, 0, 2 * sizeof(int64_t)));
    if (training) {
        d->grads = (float *)ddad_gpu_malloc(fbytes(layout->n_params), what);
        d->m = (float *)ddad_gpu_malloc(fbytes(layout->n_params), what);
        d->v = (float *)ddad_gpu_malloc(fbytes(layout->n_params), what);
        DDAD_CHECK_CUDA(cudaMemset(d->grads, 0, fbytes(layout->n_params)));
        DDAD_CHECK_CUDA(cudaMemset(d->m, 0, fbytes(layout->n_params)));
        DDAD_CHECK_CUDA(cudaMemset(d->v, 0, fbytes(layout->n_params)));
    }
    // The memsets run on the default stream, which the contexts' non-blocking streams do
    // not wait for: finish them before an upload on a context stream can land.
    DDAD_CHECK_CUDA(cudaDeviceSynchronize());
}

extern "C" void ddad_gpu_paramset_release(ddad_gpu_paramset *d)
{
    if (!d->layout) return;
    const size_t np = fbytes(d->layout->n_params);
    ddad_gpu_free(d->params, np);
    ddad_gpu_free(d->buffers, fbytes(d->layout->n_buffers));
    ddad_gpu_free(d->counters, 2 * sizeof(int64_t));
    if (d->training) {
        ddad_gpu_free(d->grads, np);
        ddad_gpu_free(d->m, np);
        ddad_gpu_free(d->v, np);
    }
    memset(d, 0, sizeof *d);
}

static void check_layout(const ddad_paramset *a, const ddad_paramset *b, const char *what)
{
    if (a->n_params != b->n_params || a->n_buffers != b->n_buffers || a->n_param_desc != b->n_param_desc ||
        a->n_buffer_desc != b->n_buffer_desc)
        ddad_fatal(DDAD_EXIT_RUNTIME, "%s: parameter layout differs (%zu params / %zu buffers vs %zu / %zu)", what,
                   a->n_params, a->n_buffers, b->n_params, b->n_buffers);
    for (int i = 0; i < a->n_param_desc; i++)
        if (strcmp(a->param_desc[i].name, b->param_desc[i].name) != 0 || a->param_desc[i].offset != b->param_desc[i].offset ||
            a->param_desc[i].count != b->param_desc[i].count)
            ddad_fatal(DDAD_EXIT_RUNTIME, "%s: parameter %d is %s here but %s in the source", what, i,
                       a->param_desc[i].name, b->param_desc[i].name);
    for (int i = 0; i < a->n_buffer_desc; i++)
        if (strcmp(a->buffer_desc[i].name, b->buffer_desc[i].name) != 0 ||
            a->buffer_desc[i].offset != b->buffer_desc[i].offset || a->buffer_desc[i].count != b->buffer_desc[i].count)
            ddad_fatal(DDAD_EXIT_RUNTIME, "%s: buffer %d is %s here but %s in the source", what, i,
                       a->buffer_desc[i].name, b->buffer_desc[i].name);
}

extern "C" void ddad_gpu_paramset_upload(ddad_gpu_ctx *ctx, ddad_gpu_paramset *d, const ddad_paramset *src,
                                         const char *what)
{
    check_layout(d->layout, src, what);
    cudaStream_t s = ctx->stream;
    const size_t np = fbytes(src->n_params);
    DDAD_CHECK_CUDA(cudaMemcpyAsync(d->params, src->params, np, cudaMemcpyHostToDevice, s));
    if (src->n_buffers)
        DDAD_CHECK_CUDA(cudaMemcpyAsync(d->buffers, src->buffers, fbytes(src->n_buffers), cudaMemcpyHostToDevice, s));
    if (d->training && src->adam_m && src->adam_v) {
        DDAD_CHECK_CUDA(cudaMemcpyAsync(d->m, src->adam_m, np, cudaMemcpyHostToDevice, s));
        DDAD_CHECK_CUDA(cudaMemcpyAsync(d->v, src->adam_v, np, cudaMemcpyHostToDevice, s));
    }
    int64_t counters[2] = {src->step, src->num_batches_tracked};
    DDAD_CHECK_CUDA(cudaMemcpyAsync(d->counters, counters, sizeof counters, cudaMemcpyHostToDevice, s));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(s));
}

extern "C" void ddad_gpu_paramset_download(ddad_gpu_ctx *ctx, const ddad_gpu_paramset *d, ddad_paramset *dst,
                                           const char *what)
{
    check_layout(d->layout, dst, what);
    cudaStream_t s = ctx->stream;
    const size_t np = fbytes(dst->n_params);
    DDAD_CHECK_CUDA(cudaMemcpyAsync(dst->params, d->params, np, cudaMemcpyDeviceToHost, s));
    if (dst->n_buffers)
        DDAD_CHECK_CUDA(cudaMemcpyAsync(dst->buffers, d->buffers, fbytes(dst->n_buffers), cudaMemcpyDeviceToHost, s));
    if (d->training && dst->grads) DDAD_CHECK_CUDA(cudaMemcpyAsync(dst->grads, d->grads, np, cudaMemcpyDeviceToHost, s));
    if (d->training && dst->adam_m && dst->adam_v) {
        DDAD_CHECK_CUDA(cudaMemcpyAsync(dst->adam_m, d->m, np, cudaMemcpyDeviceToHost, s));
        DDAD_CHECK_CUDA(cudaMemcpyAsync(dst->adam_v, d->v, np, cudaMemcpyDeviceToHost, s));
    }
    int64_t counters[2];
    DDAD_CHECK_CUDA(cudaMemcpyAsync(counters, d->counters, sizeof counters, cudaMemcpyDeviceToHost, s));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(s));
    dst->step = counters[0];
    dst->num_batches_tracked = counters[1];
}

static const ddad_tensor_desc *find(const ddad_tensor_desc *descs, int n, const char *name, const char *kind)
{
    for (int i = 0; i < n; i++)
        if (strcmp(descs[i].name, name) == 0) return &descs[i];
    ddad_fatal(DDAD_EXIT_RUNTIME, "GPU network: no %s named %s in the layout", kind, name);
}

extern "C" float *ddad_gpu_param(const ddad_gpu_paramset *d, const char *name)
{
    return d->params + find(d->layout->param_desc, d->layout->n_param_desc, name, "parameter")->offset;
}

extern "C" float *ddad_gpu_grad(const ddad_gpu_paramset *d, const char *name)
{
    if (!d->grads) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU network: gradient of %s asked of an inference-only network", name);
    return d->grads + find(d->layout->param_desc, d->layout->n_param_desc, name, "parameter")->offset;
}

extern "C" float *ddad_gpu_buffer(const ddad_gpu_paramset *d, const char *name)
{
    return d->buffers + find(d->layout->buffer_desc, d->layout->n_buffer_desc, name, "buffer")->offset;
}

__global__ void k_count(int64_t *c) { c[1] += 1; }

extern "C" void ddad_gpu_count_batch(ddad_gpu_ctx *ctx, ddad_gpu_paramset *d)
{
    DDAD_LAUNCH(k_count, 1, 1, ctx->stream, d->counters);
    DDAD_CHECK_LAUNCH("batch counter");
}

// The refinement network on the GPU: model/refine.c's layer sequence on device buffers.
#include <stdlib.h>

#include "cuda/activation_gpu.h"
#include "cuda/adam_gpu.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/conv2d_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_paramset.h"
#include "cuda/loss_gpu.h"
#include "cuda/refine_gpu.h"

#define MID 128
#define OUTC 2

struct ddad_refine_gpu {
    ddad_gpu_ctx *ctx;
    int cin, h, w, max_batch, training;
    ddad_refine *host;
    ddad_gpu_paramset ps;
    float *wt[3], *bs[3], *dwt[3], *dbs[3];
    float *gam[2], *bet[2], *dgam[2], *dbet[2], *rm[2], *rv[2];
    ddad_conv_shape cs[3];
    float *z0, *a0, *z1, *a1, *logits, *prob, *g0, *g1;
    float *save_mean, *save_invstd;   // [2][MID]
    double *stats;
    float *scalars;
    void *allocs[16];
    size_t alloc_bytes[16];
    int n_allocs;
};

static float *dalloc(ddad_refine_gpu *r, size_t n)
{
    if (r->n_allocs == 16) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: too many buffers");
    float *p = (float *)ddad_gpu_malloc(n * sizeof(float), "refiner activations (GPU)");
    r->allocs[r->n_allocs] = p;
    r->alloc_bytes[r->n_allocs++] = n * sizeof(float);
    return p;
}

extern "C" ddad_refine_gpu *ddad_refine_gpu_create(ddad_gpu_ctx *ctx, int in_channels, int height, int width,
                                                   int max_batch, int training)
{
    ddad_refine_gpu *r = (ddad_refine_gpu *)ddad_calloc(1, sizeof *r, "GPU refiner");
    r->ctx = ctx;
    r->cin = in_channels;
    r->h = height;
    r->w = width;
    r->max_batch = max_batch;
    r->training = training;
    r->host = ddad_refine_create(in_channels, height, width, 1, 0);   // validates; defines the layout
    ddad_gpu_paramset_alloc(&r->ps, ddad_refine_paramset(r->host), training, "refiner parameters (GPU)");
    const char *wn[3] = {"model.0.weight", "model.3.weight", "model.6.weight"};
    const char *bn[3] = {"model.0.bias", "model.3.bias", "model.6.bias"};
    const char *gn[2] = {"model.1.weight", "model.4.weight"}, *ben[2] = {"model.1.bias", "model.4.bias"};
    const char *mn[2] = {"model.1.running_mean", "model.4.running_mean"};
    const char *vn[2] = {"model.1.running_var", "model.4.running_var"};
    const int cins[3] = {in_channels, MID, MID}, couts[3] = {MID, MID, OUTC};
    for (int i = 0; i < 3; i++) {
        r->wt[i] = ddad_gpu_param(&r->ps, wn[i]);
        r->bs[i] = ddad_gpu_param(&r->ps, bn[i]);
        r->dwt[i] = training ? ddad_gpu_grad(&r->ps, wn[i]) : NULL;
        r->dbs[i] = training ? ddad_gpu_grad(&r->ps, bn[i]) : NULL;
        r->cs[i] = ddad_conv_shape_make(max_batch, cins[i], height, width, couts[i], 3, 1, 1);
    }
    for (int i = 0; i < 2; i++) {
        r->gam[i] = ddad_gpu_param(&r->ps, gn[i]);
        r->bet[i] = ddad_gpu_param(&r->ps, ben[i]);
        r->dgam[i] = training ? ddad_gpu_grad(&r->ps, gn[i]) : NULL;
        r->dbet[i] = training ? ddad_gpu_grad(&r->ps, ben[i]) : NULL;
        r->rm[i] = ddad_gpu_buffer(&r->ps, mn[i]);
        r->rv[i] = ddad_gpu_buffer(&r->ps, vn[i]);
    }
    const size_t mid = (size_t)max_batch * MID * height * width, out = (size_t)max_batch * OUTC * height * width;
    r->z0 = dalloc(r, mid);
    r->a0 = dalloc(r, mid);
    r->z1 = dalloc(r, mid);
    r->a1 = dalloc(r, mid);
    r->logits = dalloc(r, out);
    r->prob = dalloc(r, out);
    if (training) {
        r->g0 = dalloc(r, mid);
        r->g1 = dalloc(r, mid);
    }
    r->save_mean = dalloc(r, 2 * MID);
    r->save_invstd = dalloc(r, 2 * MID);
    r->stats = (double *)dalloc(r, 4 * MID);
    r->scalars = dalloc(r, 4);
    return r;
}

extern "C" void ddad_refine_gpu_free(ddad_refine_gpu *r)
{
    if (!r) return;
    ddad_gpu_ctx_sync(r->ctx);
    for (int i = 0; i < r->n_allocs; i++) ddad_gpu_free(r->allocs[i], r->alloc_bytes[i]);
    ddad_gpu_paramset_release(&r->ps);
    ddad_refine_free(r->host);
    free(r);
}

extern "C" const ddad_paramset *ddad_refine_gpu_layout(const ddad_refine_gpu *r)
{
    return ddad_refine_paramset(r->host);
}
extern "C" void ddad_refine_gpu_upload(ddad_refine_gpu *r, const ddad_paramset *src)
{
    ddad_gpu_paramset_upload(r->ctx, &r->ps, src, "GPU refiner upload");
}
extern "C" void ddad_refine_gpu_download(ddad_refine_gpu *r, ddad_paramset *dst)
{
    ddad_gpu_paramset_download(r->ctx, &r->ps, dst, "GPU refiner download");
}
extern "C" const float *ddad_refine_gpu_prob(const ddad_refine_gpu *r) { return r->prob; }
extern "C" const float *ddad_refine_gpu_loss(const ddad_refine_gpu *r) { return r->scalars; }
extern "C" float *ddad_refine_gpu_grads(ddad_refine_gpu *r) { return r->ps.grads; }
extern "C" int ddad_refine_gpu_in_channels(const ddad_refine_gpu *r) { return r->cin; }
extern "C" size_t ddad_refine_gpu_n_params(const ddad_refine_gpu *r) { return r->ps.layout->n_params; }

static void forward(ddad_refine_gpu *r, const float *in, int n, int train, double count, const ddad_gpu_reducer *red)
{
    ddad_gpu_ctx *ctx = r->ctx;
    float *z[2] = {r->z0, r->z1}, *a[2] = {r->a0, r->a1};
    const float *x = in;
    const int hw = r->h * r->w;
    for (int i = 0; i < 2; i++) {
        ddad_conv2d_forward_gpu(ctx, &r->cs[i], n, x, r->wt[i], r->bs[i], z[i]);
        ddad_bn_shape s = {n, MID, hw};
        if (train)
            ddad_bn_forward_train_gpu(ctx, &s, z[i], r->gam[i], r->bet[i], 1, a[i], r->rm[i], r->rv[i],
                                      r->save_mean + i * MID, r->save_invstd + i * MID, r->stats, count, red);
        else
            ddad_bn_forward_eval_gpu(ctx, &s, z[i], r->gam[i], r->bet[i], 1, r->rm[i], r->rv[i], a[i]);
        x = a[i];
    }
    ddad_conv2d_forward_gpu(ctx, &r->cs[2], n, x, r->wt[2], r->bs[2], r->logits);
    ddad_softmax_channels_forward_gpu(ctx, n, OUTC, hw, r->logits, r->prob);
    if (train) ddad_gpu_count_batch(ctx, &r->ps);
}

extern "C" void ddad_refine_gpu_forward_backward(ddad_refine_gpu *r, const float *d_in, const uint8_t *d_target,
                                                 int local_batch, int global_batch, const ddad_gpu_reducer *red)
{
    if (!r->training) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: forward_backward on an inference-only network");
    if (local_batch < 1 || local_batch > r->max_batch || global_batch < local_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: local batch %d (max %d), global batch %d", local_batch,
                   r->max_batch, global_batch);
    ddad_gpu_ctx *ctx = r->ctx;
    const int n = local_batch, hw = r->h * r->w;
    const double count = (double)global_batch * hw;
    forward(r, d_in, n, 1, count, red);
    ddad_focal_loss_gpu(ctx, n, hw, r->prob, d_target, count, r->g0, r->scalars);
    ddad_softmax_channels_backward_gpu(ctx, n, OUTC, hw, r->prob, r->g0, r->g0);
    ddad_conv2d_backward_gpu(ctx, &r->cs[2], n, r->a1, r->wt[2], r->g0, r->g1, r->dwt[2], r->dbs[2]);
    ddad_bn_shape s = {n, MID, hw};
    ddad_bn_backward_gpu(ctx, &s, r->z1, r->a1, r->g1, r->gam[1], r->save_mean + MID, r->save_invstd + MID, r->g1,
                         r->dgam[1], r->dbet[1], r->stats, count, red);
    /* The biases of the two convolutions that feed train-mode BatchNorm get an exact zero
     * gradient, as the CPU path writes it (model/refine.c): summing dy would only give
     * rounding noise that Adam scales up to steps of size lr. Written every call, so the
     * gradient buffer is wholly overwritten (the tests poison it). */
    DDAD_CHECK_CUDA(cudaMemsetAsync(r->dbs[0], 0, sizeof(float) * MID, ctx->stream));
    DDAD_CHECK_CUDA(cudaMemsetAsync(r->dbs[1], 0, sizeof(float) * MID, ctx->stream));
    ddad_conv2d_backward_gpu(ctx, &r->cs[1], n, r->a0, r->wt[1], r->g1, r->g0, r->dwt[1], NULL);
    ddad_bn_backward_gpu(ctx, &s, r->z0, r->a0, r->g0, r->gam[0], r->save_mean, r->save_invstd, r->g0, r->dgam[0],
                         r->dbet[0], r->stats, count, red);
    ddad_conv2d_backward_gpu(ctx, &r->cs[0], n, d_in, r->wt[0], r->g0, NULL, r->dwt[0], NULL);
}

extern "C" void ddad_refine_gpu_backward_views(const ddad_refine_gpu *r, const float **dz0, const float **dz1,
                                               const float **a0)
{
    // g1 keeps BatchNorm 1's input gradient (convolution 1 reads it into g0), g0 ends with
    // BatchNorm 0's (written in place).
    *dz0 = r->g0;
    *dz1 = r->g1;
    *a0 = r->a0;
}

extern "C" void ddad_refine_gpu_adam(ddad_refine_gpu *r, const ddad_adam_cfg *opt)
{
    ddad_adam_step_gpu(r->ctx, r->ps.layout->n_params, r->ps.params, r->ps.grads, r->ps.m, r->ps.v,
                       &r->ps.counters[0], opt);
}

extern "C" void ddad_refine_gpu_infer(ddad_refine_gpu *r, const float *d_in, int batch, float *d_prob1)
{
    if (batch < 1 || batch > r->max_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: batch %d outside 1..%d", batch, r->max_batch);
    forward(r, d_in, batch, 0, 0.0, NULL);
    const size_t hw = (size_t)r->h * r->w;
    // Channel 1 of each sample: a strided 2D copy.
    DDAD_CHECK_CUDA(cudaMemcpy2DAsync(d_prob1, hw * sizeof(float), r->prob + hw, OUTC * hw * sizeof(float),
                                      hw * sizeof(float), (size_t)batch, cudaMemcpyDeviceToDevice, r->ctx->stream));
}

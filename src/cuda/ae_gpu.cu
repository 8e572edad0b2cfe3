// The AE / AE-U on the GPU: the layer sequence of model/ae.c, layer for layer, on device
// buffers. Tensors are found by their state_dict names in the host layout.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/adam_gpu.h"
#include "cuda/ae_gpu.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/conv2d_gpu.h"
#include "cuda/conv_transpose2d_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_paramset.h"
#include "cuda/linear_gpu.h"
#include "cuda/loss_gpu.h"

extern "C" {
#include "nn/conv_transpose2d.h"
}

#define AE_HIDDEN 2048
#define AE_NBN 9

typedef struct {
    float *gamma, *beta, *dgamma, *dbeta, *mean, *var;
    int c, hw;
} bn_t;

typedef struct {
    float *w, *b, *dw, *db;
} lin_t;

struct ddad_ae_gpu {
    ddad_gpu_ctx *ctx;
    ddad_ae_shape shape;
    int max_batch, training;
    int ch[4], fm, feat, cout;
    ddad_ae *host;                   // the CPU network of the same shape: layout and names
    ddad_gpu_paramset ps;
    float *enc_w[4], *enc_dw[4], *dec_w[4], *dec_dw[4];
    lin_t le[2], ld[2];
    bn_t bn[AE_NBN];
    ddad_conv_shape enc_s[4], dec_s[4];
    float *x_in;
    float *enc_z[4], *enc_a[4], *le_z, *le_a, *lat, *ld_z, *ld_a, *ld_out, *dec_z[3], *dec_a[3], *out;
    float *g0, *g1;
    double *stats;
    float *save_mean, *save_invstd;
    int bn_stride;
    float *scalars;                  // [0] loss, [1] reconstruction error
    float *eval_affine;              // [AE_NBN][2][bn_stride]: frozen BatchNorm scale, shift
    int frozen;
    void *allocs[48];                // every activation buffer, for the free
    size_t alloc_bytes[48];
    int n_allocs;
};

static float *dalloc(ddad_ae_gpu *ae, size_t n)
{
    if (ae->n_allocs == (int)(sizeof ae->allocs / sizeof ae->allocs[0]))
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU AE: too many activation buffers");
    float *p = (float *)ddad_gpu_malloc(n * sizeof(float), "AE activations (GPU)");
    ae->allocs[ae->n_allocs] = p;
    ae->alloc_bytes[ae->n_allocs++] = n * sizeof(float);
    return p;
}

static void set_bn(ddad_ae_gpu *ae, int i, const char *prefix, int idx, int c, int hw)
{
    char n[DDAD_TENSOR_NAME_MAX];
    bn_t *b = &ae->bn[i];
    snprintf(n, sizeof n, "%s.%d.weight", prefix, idx);
    b->gamma = ddad_gpu_param(&ae->ps, n);
    b->dgamma = ae->training ? ddad_gpu_grad(&ae->ps, n) : NULL;
    snprintf(n, sizeof n, "%s.%d.bias", prefix, idx);
    b->beta = ddad_gpu_param(&ae->ps, n);
    b->dbeta = ae->training ? ddad_gpu_grad(&ae->ps, n) : NULL;
    snprintf(n, sizeof n, "%s.%d.running_mean", prefix, idx);
    b->mean = ddad_gpu_buffer(&ae->ps, n);
    snprintf(n, sizeof n, "%s.%d.running_var", prefix, idx);
    b->var = ddad_gpu_buffer(&ae->ps, n);
    b->c = c;
    b->hw = hw;
}

static void set_lin(ddad_ae_gpu *ae, lin_t *l, const char *prefix, int idx)
{
    char n[DDAD_TENSOR_NAME_MAX];
    snprintf(n, sizeof n, "%s.%d.weight", prefix, idx);
    l->w = ddad_gpu_param(&ae->ps, n);
    l->dw = ae->training ? ddad_gpu_grad(&ae->ps, n) : NULL;
    snprintf(n, sizeof n, "%s.%d.bias", prefix, idx);
    l->b = ddad_gpu_param(&ae->ps, n);
    l->db = ae->training ? ddad_gpu_grad(&ae->ps, n) : NULL;
}

static float *conv_w(ddad_ae_gpu *ae, const char *prefix, int idx, int grad)
{
    char n[DDAD_TENSOR_NAME_MAX];
    snprintf(n, sizeof n, "%s.%d.weight", prefix, idx);
    if (grad) return ae->training ? ddad_gpu_grad(&ae->ps, n) : NULL;
    return ddad_gpu_param(&ae->ps, n);
}

extern "C" ddad_ae_gpu *ddad_ae_gpu_create(ddad_gpu_ctx *ctx, const ddad_ae_shape *shape, int max_batch, int training)
{
    if (max_batch < 1 || (training && max_batch < 2))
        ddad_fatal(DDAD_EXIT_USAGE, "GPU AE: max_batch %d too small%s", max_batch,
                   training ? " (training needs at least 2 for BatchNorm)" : "");
    ddad_ae_gpu *ae = (ddad_ae_gpu *)ddad_calloc(1, sizeof *ae, "GPU AE");
    ae->ctx = ctx;
    ae->shape = *shape;
    ae->max_batch = max_batch;
    ae->training = training;
    // The host network validates the shape and defines the parameter layout.
    ae->host = ddad_ae_create(shape, 1, 0);
    ddad_gpu_paramset_alloc(&ae->ps, ddad_ae_paramset(ae->host), training, "AE parameters (GPU)");
    const int c1 = (int)(16 * shape->mp), c2 = (int)(32 * shape->mp), c3 = (int)(64 * shape->mp);
    ae->ch[0] = c1;
    ae->ch[1] = c2;
    ae->ch[2] = c3;
    ae->ch[3] = c3;
    const int S = shape->img_size, N = max_batch, H = AE_HIDDEN, ls = shape->ls;
    ae->fm = S / 16;
    ae->feat = c3 * ae->fm * ae->fm;
    ae->cout = shape->unc ? 2 : 1;
    int cin = 1, sz = S;
    for (int i = 0; i < 4; i++) {
        ae->enc_w[i] = conv_w(ae, "encoder", 3 * i, 0);
        ae->enc_dw[i] = conv_w(ae, "encoder", 3 * i, 1);
        sz /= 2;
        set_bn(ae, i, "encoder", 3 * i + 1, ae->ch[i], sz * sz);
        ae->enc_s[i] = ddad_conv_shape_make(N, cin, sz * 2, sz * 2, ae->ch[i], 4, 2, 1);
        cin = ae->ch[i];
    }
    set_lin(ae, &ae->le[0], "linear_enc", 0);
    set_bn(ae, 4, "linear_enc", 1, H, 1);
    set_lin(ae, &ae->le[1], "linear_enc", 3);
    set_lin(ae, &ae->ld[0], "linear_dec", 0);
    set_bn(ae, 5, "linear_dec", 1, H, 1);
    set_lin(ae, &ae->ld[1], "linear_dec", 3);
    const int dec_out[4] = {c3, c2, c1, ae->cout};
    cin = c3;
    sz = ae->fm;
    for (int i = 0; i < 4; i++) {
        ae->dec_w[i] = conv_w(ae, "decoder", 3 * i, 0);
        ae->dec_dw[i] = conv_w(ae, "decoder", 3 * i, 1);
        ae->dec_s[i] = ddad_convt_shape_make(N, cin, sz, sz, dec_out[i], 4, 2, 1);
        sz *= 2;
        if (i < 3) set_bn(ae, 6 + i, "decoder", 3 * i + 1, dec_out[i], sz * sz);
        cin = dec_out[i];
    }
    size_t maxact = (size_t)N * ae->cout * S * S;
    ae->x_in = dalloc(ae, (size_t)N * S * S);
    for (int i = 0; i < 4; i++) {
        size_t n = (size_t)N * ae->ch[i] * ae->bn[i].hw;
        ae->enc_z[i] = dalloc(ae, n);
        ae->enc_a[i] = dalloc(ae, n);
        if (n > maxact) maxact = n;
    }
    for (int i = 0; i < 3; i++) {
        size_t n = (size_t)N * ae->bn[6 + i].c * ae->bn[6 + i].hw;
        ae->dec_z[i] = dalloc(ae, n);
        ae->dec_a[i] = dalloc(ae, n);
        if (n > maxact) maxact = n;
    }
    ae->le_z = dalloc(ae, (size_t)N * H);
    ae->le_a = dalloc(ae, (size_t)N * H);
    ae->ld_z = dalloc(ae, (size_t)N * H);
    ae->ld_a = dalloc(ae, (size_t)N * H);
    ae->lat = dalloc(ae, (size_t)N * ls);
    ae->ld_out = dalloc(ae, (size_t)N * ae->feat);
    ae->out = dalloc(ae, (size_t)N * ae->cout * S * S);
    if ((size_t)N * H > maxact) maxact = (size_t)N * H;
    if ((size_t)N * ls > maxact) maxact = (size_t)N * ls;
    if (training) {
        ae->g0 = dalloc(ae, maxact);
        ae->g1 = dalloc(ae, maxact);
    }
    ae->bn_stride = H > c3 ? H : c3;
    if (c1 > ae->bn_stride) ae->bn_stride = c1;
    ae->stats = (double *)dalloc(ae, 4 * (size_t)ae->bn_stride);   // 2 * stride doubles
    ae->save_mean = dalloc(ae, (size_t)AE_NBN * ae->bn_stride);
    ae->save_invstd = dalloc(ae, (size_t)AE_NBN * ae->bn_stride);
    ae->scalars = dalloc(ae, 4);
    ae->eval_affine = dalloc(ae, (size_t)AE_NBN * 2 * ae->bn_stride);
    return ae;
}

extern "C" void ddad_ae_gpu_free(ddad_ae_gpu *ae)
{
    if (!ae) return;
    ddad_gpu_ctx_sync(ae->ctx);
    for (int i = 0; i < ae->n_allocs; i++) ddad_gpu_free(ae->allocs[i], ae->alloc_bytes[i]);
    ddad_gpu_paramset_release(&ae->ps);
    ddad_ae_free(ae->host);
    free(ae);
}

extern "C" const ddad_paramset *ddad_ae_gpu_layout(const ddad_ae_gpu *ae) { return ddad_ae_paramset(ae->host); }
extern "C" void ddad_ae_gpu_upload(ddad_ae_gpu *ae, const ddad_paramset *src)
{
    ae->frozen = 0;
    ddad_gpu_paramset_upload(ae->ctx, &ae->ps, src, "GPU AE upload");
}
extern "C" void ddad_ae_gpu_download(ddad_ae_gpu *ae, ddad_paramset *dst)
{
    ddad_gpu_paramset_download(ae->ctx, &ae->ps, dst, "GPU AE download");
}
extern "C" ddad_gpu_ctx *ddad_ae_gpu_context(ddad_ae_gpu *ae) { return ae->ctx; }
extern "C" int ddad_ae_gpu_img_size(const ddad_ae_gpu *ae) { return ae->shape.img_size; }
extern "C" int ddad_ae_gpu_max_batch(const ddad_ae_gpu *ae) { return ae->max_batch; }
extern "C" int ddad_ae_gpu_out_channels(const ddad_ae_gpu *ae) { return ae->cout; }
extern "C" float *ddad_ae_gpu_input(ddad_ae_gpu *ae) { return ae->x_in; }
extern "C" const float *ddad_ae_gpu_output(const ddad_ae_gpu *ae) { return ae->out; }
extern "C" const float *ddad_ae_gpu_relu_output(const ddad_ae_gpu *ae, int i, size_t *per_sample)
{
    if (i < 0 || i >= DDAD_AE_N_RELU) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU AE: no BatchNorm + ReLU layer %d", i);
    *per_sample = (size_t)ae->bn[i].c * ae->bn[i].hw;
    const float *a[DDAD_AE_N_RELU] = {ae->enc_a[0], ae->enc_a[1], ae->enc_a[2], ae->enc_a[3], ae->le_a,
                                      ae->ld_a,     ae->dec_a[0], ae->dec_a[1], ae->dec_a[2]};
    return a[i];
}
extern "C" const float *ddad_ae_gpu_loss(const ddad_ae_gpu *ae) { return ae->scalars; }
extern "C" const float *ddad_ae_gpu_rec_err(const ddad_ae_gpu *ae) { return ae->scalars + 1; }
extern "C" float *ddad_ae_gpu_params(ddad_ae_gpu *ae) { return ae->ps.params; }
extern "C" float *ddad_ae_gpu_grads(ddad_ae_gpu *ae) { return ae->ps.grads; }

static float *affine(ddad_ae_gpu *ae, int i) { return ae->eval_affine + (size_t)i * 2 * ae->bn_stride; }

extern "C" void ddad_ae_gpu_freeze(ddad_ae_gpu *ae)
{
    for (int i = 0; i < AE_NBN; i++) {
        bn_t *b = &ae->bn[i];
        ddad_bn_eval_affine_gpu(ae->ctx, b->c, b->gamma, b->beta, b->mean, b->var, affine(ae, i),
                                affine(ae, i) + ae->bn_stride);
    }
    ae->frozen = 1;
}

static void bn_fwd(ddad_ae_gpu *ae, int i, int n, const float *x, float *y, int train)
{
    bn_t *b = &ae->bn[i];
    ddad_bn_shape s = {n, b->c, b->hw};
    if (!train && ae->frozen)
        ddad_bn_apply_gpu(ae->ctx, &s, x, affine(ae, i), affine(ae, i) + ae->bn_stride, 1, y);
    else if (train)
        ddad_bn_forward_train_gpu(ae->ctx, &s, x, b->gamma, b->beta, 1, y, b->mean, b->var,
                                  ae->save_mean + (size_t)i * ae->bn_stride,
                                  ae->save_invstd + (size_t)i * ae->bn_stride, ae->stats, (double)n * b->hw, NULL);
    else
        ddad_bn_forward_eval_gpu(ae->ctx, &s, x, b->gamma, b->beta, 1, b->mean, b->var, y);
}

static void bn_bwd(ddad_ae_gpu *ae, int i, int n, const float *z, const float *a, float *g)
{
    bn_t *b = &ae->bn[i];
    ddad_bn_shape s = {n, b->c, b->hw};
    ddad_bn_backward_gpu(ae->ctx, &s, z, a, g, b->gamma, ae->save_mean + (size_t)i * ae->bn_stride,
                         ae->save_invstd + (size_t)i * ae->bn_stride, g, b->dgamma, b->dbeta, ae->stats,
                         (double)n * b->hw, NULL);
}

static void check_batch(const ddad_ae_gpu *ae, int batch, int train)
{
    if (batch < 1 || batch > ae->max_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU AE: batch %d outside 1..%d (max_batch at creation)", batch, ae->max_batch);
    if (train && batch < 2)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU AE: train-mode BatchNorm needs a batch of at least 2, got %d", batch);
}

static void forward(ddad_ae_gpu *ae, const float *x, int n, int train)
{
    ddad_gpu_ctx *ctx = ae->ctx;
    if (train) ae->frozen = 0;
    const float *in = x;
    for (int i = 0; i < 4; i++) {
        ddad_conv2d_forward_gpu(ctx, &ae->enc_s[i], n, in, ae->enc_w[i], NULL, ae->enc_z[i]);
        bn_fwd(ae, i, n, ae->enc_z[i], ae->enc_a[i], train);
        in = ae->enc_a[i];
    }
    const int H = AE_HIDDEN, ls = ae->shape.ls;
    ddad_linear_forward_gpu(ctx, n, ae->feat, H, in, ae->le[0].w, ae->le[0].b, ae->le_z);
    bn_fwd(ae, 4, n, ae->le_z, ae->le_a, train);
    ddad_linear_forward_gpu(ctx, n, H, ls, ae->le_a, ae->le[1].w, ae->le[1].b, ae->lat);
    ddad_linear_forward_gpu(ctx, n, ls, H, ae->lat, ae->ld[0].w, ae->ld[0].b, ae->ld_z);
    bn_fwd(ae, 5, n, ae->ld_z, ae->ld_a, train);
    ddad_linear_forward_gpu(ctx, n, H, ae->feat, ae->ld_a, ae->ld[1].w, ae->ld[1].b, ae->ld_out);
    in = ae->ld_out;
    for (int i = 0; i < 3; i++) {
        ddad_convt_forward_gpu(ctx, &ae->dec_s[i], n, in, ae->dec_w[i], ae->dec_z[i]);
        bn_fwd(ae, 6 + i, n, ae->dec_z[i], ae->dec_a[i], train);
        in = ae->dec_a[i];
    }
    ddad_convt_forward_gpu(ctx, &ae->dec_s[3], n, in, ae->dec_w[3], ae->out);
    if (train) ddad_gpu_count_batch(ctx, &ae->ps);
}

static void backward(ddad_ae_gpu *ae, const float *x, int n)
{
    ddad_gpu_ctx *ctx = ae->ctx;
    float *g = ae->g0, *h = ae->g1, *t;
    ddad_convt_backward_gpu(ctx, &ae->dec_s[3], n, ae->dec_a[2], ae->dec_w[3], g, h, ae->dec_dw[3]);
    for (int i = 2; i >= 0; i--) {
        t = g; g = h; h = t;
        bn_bwd(ae, 6 + i, n, ae->dec_z[i], ae->dec_a[i], g);
        const float *in = i > 0 ? ae->dec_a[i - 1] : ae->ld_out;
        ddad_convt_backward_gpu(ctx, &ae->dec_s[i], n, in, ae->dec_w[i], g, h, ae->dec_dw[i]);
    }
    t = g; g = h; h = t;
    const int H = AE_HIDDEN, ls = ae->shape.ls;
    ddad_linear_backward_gpu(ctx, n, H, ae->feat, ae->ld_a, ae->ld[1].w, g, h, ae->ld[1].dw, ae->ld[1].db);
    bn_bwd(ae, 5, n, ae->ld_z, ae->ld_a, h);
    ddad_linear_backward_gpu(ctx, n, ls, H, ae->lat, ae->ld[0].w, h, g, ae->ld[0].dw, ae->ld[0].db);
    ddad_linear_backward_gpu(ctx, n, H, ls, ae->le_a, ae->le[1].w, g, h, ae->le[1].dw, ae->le[1].db);
    bn_bwd(ae, 4, n, ae->le_z, ae->le_a, h);
    ddad_linear_backward_gpu(ctx, n, ae->feat, H, ae->enc_a[3], ae->le[0].w, h, g, ae->le[0].dw, ae->le[0].db);
    for (int i = 3; i >= 0; i--) {
        bn_bwd(ae, i, n, ae->enc_z[i], ae->enc_a[i], g);
        const float *in = i > 0 ? ae->enc_a[i - 1] : x;
        ddad_conv2d_backward_gpu(ctx, &ae->enc_s[i], n, in, ae->enc_w[i], g, i > 0 ? h : NULL, ae->enc_dw[i], NULL);
        t = g; g = h; h = t;
    }
}

static void loss_and_grad(ddad_ae_gpu *ae, const float *x, int n)
{
    const int hw = ae->shape.img_size * ae->shape.img_size;
    if (ae->shape.unc) {
        ddad_aeu_loss_gpu(ae->ctx, n, hw, ae->out, x, ae->g0, ae->scalars, ae->scalars + 1);
    } else {
        ddad_mse_loss_gpu(ae->ctx, (size_t)n * hw, ae->out, x, ae->g0, ae->scalars);
        DDAD_CHECK_CUDA(cudaMemcpyAsync(ae->scalars + 1, ae->scalars, sizeof(float), cudaMemcpyDeviceToDevice,
                                        ae->ctx->stream));
    }
}

extern "C" void ddad_ae_gpu_forward(ddad_ae_gpu *ae, const float *d_x, int batch, int train_mode, float *d_out)
{
    check_batch(ae, batch, train_mode);
    forward(ae, d_x, batch, train_mode);
    if (d_out) {
        size_t n = (size_t)batch * ae->cout * ae->shape.img_size * ae->shape.img_size;
        DDAD_CHECK_CUDA(cudaMemcpyAsync(d_out, ae->out, n * sizeof(float), cudaMemcpyDeviceToDevice, ae->ctx->stream));
    }
}

extern "C" void ddad_ae_gpu_forward_backward(ddad_ae_gpu *ae, const float *d_x, int batch)
{
    if (!ae->training) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU AE: forward_backward on an inference-only network");
    check_batch(ae, batch, 1);
    forward(ae, d_x, batch, 1);
    loss_and_grad(ae, d_x, batch);
    backward(ae, d_x, batch);
}

extern "C" void ddad_ae_gpu_train_step(ddad_ae_gpu *ae, const float *d_x, int batch, const ddad_adam_cfg *opt)
{
    ddad_ae_gpu_forward_backward(ae, d_x, batch);
    ddad_adam_step_gpu(ae->ctx, ae->ps.layout->n_params, ae->ps.params, ae->ps.grads, ae->ps.m, ae->ps.v,
                       &ae->ps.counters[0], opt);
}

/* The anomaly score refinement network: three 3x3 convolutions (C_in -> 128 -> 128 -> 2)
 * with BatchNorm + ReLU between them, channel softmax and the focal loss. */
#include "model/refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/util.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/loss.h"
#include "nn/softmax.h"

#define REFINE_MID 128
#define REFINE_OUT 2

struct ddad_refine {
    int cin, h, w, max_batch, training;
    ddad_paramset ps;
    int wi[3], bi[3];                 /* conv weight / bias param indices */
    int gi[2], be[2], rm[2], rv[2];   /* BN gamma, beta (params), running mean, var (buffers) */
    ddad_conv_shape cs[3];            /* inference: samples chunked per GEMM */
    ddad_conv_shape ct[3];            /* training: one sample per GEMM (see forward) */
    float *z0, *a0, *z1, *a1, *logits, *prob;
    float *g0, *g1;
    float *ws;
    double *stats;
    double *grad_sums;                /* n_params: this rank's gradient in double (training) */
    float *dw_tmp;                    /* one sample's conv weight gradient */
    float save_mean[2][REFINE_MID], save_invstd[2][REFINE_MID];
};

static float *act(size_t n, const char *what) { return ddad_malloc_aligned((n ? n : 1) * sizeof(float), what); }

ddad_refine *ddad_refine_create(int in_channels, int height, int width, int max_batch, int training)
{
    if (in_channels < 1) ddad_fatal(DDAD_EXIT_USAGE, "refiner: %d input channels (need 1 or 2)", in_channels);
    if (height < 1 || width < 1 || max_batch < 1)
        ddad_fatal(DDAD_EXIT_USAGE, "refiner: bad size %dx%d or max_batch %d", height, width, max_batch);
    ddad_refine *r = ddad_calloc(1, sizeof *r, "refiner");
    r->cin = in_channels;
    r->h = height;
    r->w = width;
    r->max_batch = max_batch;
    r->training = training;
    ddad_paramset *ps = &r->ps;
    ddad_paramset_reset(ps);
    const int cins[3] = {in_channels, REFINE_MID, REFINE_MID}, couts[3] = {REFINE_MID, REFINE_MID, REFINE_OUT};
    const char *wn[3] = {"model.0.weight", "model.3.weight", "model.6.weight"};
    const char *bn[3] = {"model.0.bias", "model.3.bias", "model.6.bias"};
    const char *gn[2] = {"model.1.weight", "model.4.weight"}, *ben[2] = {"model.1.bias", "model.4.bias"};
    const char *mn[2] = {"model.1.running_mean", "model.4.running_mean"};
    const char *vn[2] = {"model.1.running_var", "model.4.running_var"};
    for (int i = 0; i < 3; i++) {
        int ws[4] = {couts[i], cins[i], 3, 3}, bs[1] = {couts[i]};
        ddad_paramset_add_param(ps, wn[i], 4, ws);
        r->wi[i] = ps->n_param_desc - 1;
        ddad_paramset_add_param(ps, bn[i], 1, bs);
        r->bi[i] = ps->n_param_desc - 1;
        r->cs[i] = ddad_conv_shape_make(max_batch, cins[i], height, width, couts[i], 3, 1, 1);
        r->ct[i] = r->cs[i];
        r->ct[i].chunk = 1;
        if (i < 2) {
            ddad_paramset_add_param(ps, gn[i], 1, bs);
            r->gi[i] = ps->n_param_desc - 1;
            ddad_paramset_add_param(ps, ben[i], 1, bs);
            r->be[i] = ps->n_param_desc - 1;
            ddad_paramset_add_buffer(ps, mn[i], 1, bs);
            r->rm[i] = ps->n_buffer_desc - 1;
            ddad_paramset_add_buffer(ps, vn[i], 1, bs);
            r->rv[i] = ps->n_buffer_desc - 1;
        }
    }
    ddad_paramset_alloc(ps, training);
    const size_t mid = (size_t)max_batch * REFINE_MID * height * width;
    const size_t out = (size_t)max_batch * REFINE_OUT * height * width;
    r->z0 = act(mid, "refiner activations");
    r->a0 = act(mid, "refiner activations");
    r->z1 = act(mid, "refiner activations");
    r->a1 = act(mid, "refiner activations");
    r->logits = act(out, "refiner activations");
    r->prob = act(out, "refiner activations");
    if (training) {
        r->g0 = act(mid, "refiner gradients");
        r->g1 = act(mid, "refiner gradients");
        r->grad_sums = ddad_malloc(sizeof(double) * ps->n_params, "refiner gradient sums");
        size_t nw = 0;
        for (int i = 0; i < 3; i++) {
            size_t w = (size_t)r->cs[i].k * r->cs[i].c * r->cs[i].kh * r->cs[i].kw;
            if (w > nw) nw = w;
        }
        r->dw_tmp = act(nw, "refiner weight-gradient scratch");
    }
    size_t ws = 0;
    for (int i = 0; i < 3; i++) {
        size_t w = ddad_conv_workspace_floats(&r->cs[i]);
        if (w > ws) ws = w;
    }
    r->ws = act(ws, "refiner convolution workspace");
    r->stats = ddad_malloc(sizeof(double) * 2 * REFINE_MID, "BatchNorm statistics");
    return r;
}

void ddad_refine_free(ddad_refine *r)
{
    if (!r) return;
    free(r->z0);
    free(r->a0);
    free(r->z1);
    free(r->a1);
    free(r->logits);
    free(r->prob);
    free(r->g0);
    free(r->g1);
    free(r->ws);
    free(r->stats);
    free(r->grad_sums);
    free(r->dw_tmp);
    ddad_paramset_release(&r->ps);
    free(r);
}

ddad_paramset *ddad_refine_paramset(ddad_refine *r) { return &r->ps; }

void ddad_refine_init(ddad_refine *r, uint64_t seed)
{
    ddad_paramset *ps = &r->ps;
    for (int i = 0; i < 3; i++) {
        const ddad_tensor_desc *d = &ps->param_desc[r->wi[i]];
        double bound = 1.0 / sqrt((double)d->shape[1] * d->shape[2] * d->shape[3]);
        ddad_paramset_init_uniform(ps, r->wi[i], bound, seed, DDAD_MOD_REFINE, 0);
        ddad_paramset_init_uniform(ps, r->bi[i], bound, seed, DDAD_MOD_REFINE, 0);
    }
    for (int i = 0; i < 2; i++) {
        ddad_paramset_fill(ps, r->gi[i], 1.0f);
        ddad_paramset_fill(ps, r->be[i], 0.0f);
        for (int k = 0; k < REFINE_MID; k++) {
            ps->buffers[ps->buffer_desc[r->rm[i]].offset + k] = 0.0f;
            ps->buffers[ps->buffer_desc[r->rv[i]].offset + k] = 1.0f;
        }
    }
    ps->num_batches_tracked = 0;
    ps->step = 0;
    if (ps->adam_m) {
        memset(ps->adam_m, 0, sizeof(float) * ps->n_params);
        memset(ps->adam_v, 0, sizeof(float) * ps->n_params);
    }
}

static float *P(ddad_refine *r, int idx) { return r->ps.params + r->ps.param_desc[idx].offset; }
static double *GS(ddad_refine *r, int idx) { return r->grad_sums + r->ps.param_desc[idx].offset; }
static float *B(ddad_refine *r, int idx) { return r->ps.buffers + r->ps.buffer_desc[idx].offset; }

/* Training convolves one sample per GEMM: OpenBLAS may pick a different kernel path for a
 * different total GEMM size (small-matrix paths), so a chunk's column results could depend
 * on how many samples share the chunk, i.e. on the split of the batch across ranks. */
static void forward(ddad_refine *r, const float *in, int n, int train, double global_count, const ddad_reducer *red)
{
    const ddad_conv_shape *cs = train ? r->ct : r->cs;
    float *z[2] = {r->z0, r->z1}, *a[2] = {r->a0, r->a1};
    const float *x = in;
    const int hw = r->h * r->w;
    for (int i = 0; i < 2; i++) {
        ddad_conv2d_forward(&cs[i], n, x, P(r, r->wi[i]), P(r, r->bi[i]), z[i], r->ws);
        ddad_bn_shape s = {n, REFINE_MID, hw};
        if (train)
            ddad_bn_forward_train(&s, z[i], P(r, r->gi[i]), P(r, r->be[i]), 1, a[i], B(r, r->rm[i]), B(r, r->rv[i]),
                                  r->save_mean[i], r->save_invstd[i], r->stats, global_count, red);
        else
            ddad_bn_forward_eval(&s, z[i], P(r, r->gi[i]), P(r, r->be[i]), 1, B(r, r->rm[i]), B(r, r->rv[i]), a[i]);
        x = a[i];
    }
    ddad_conv2d_forward(&cs[2], n, x, P(r, r->wi[2]), P(r, r->bi[2]), r->logits, r->ws);
    ddad_softmax_channels_forward(n, REFINE_OUT, hw, r->logits, r->prob);
    if (train) r->ps.num_batches_tracked++;
}

float ddad_refine_forward_backward(ddad_refine *r, const float *in, const uint8_t *target, int local_batch,
                                   int global_batch, const ddad_reducer *red)
{
    if (!r->training) ddad_fatal(DDAD_EXIT_RUNTIME, "refiner: forward_backward on an inference-only network");
    if (local_batch < 1 || local_batch > r->max_batch || global_batch < local_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "refiner: local batch %d (max %d), global batch %d", local_batch, r->max_batch,
                   global_batch);
    const int n = local_batch, hw = r->h * r->w;
    const double count = (double)global_batch * hw;
    forward(r, in, n, 1, count, red);
    float loss = ddad_focal_loss(n, hw, r->prob, target, count, r->g0);
    ddad_softmax_channels_backward(n, REFINE_OUT, hw, r->prob, r->g0, r->g0);
    /* parameter gradients go to grad_sums in double, per sample (split-invariant) */
    ddad_conv2d_backward_acc(&r->ct[2], n, r->a1, P(r, r->wi[2]), r->g0, r->g1, GS(r, r->wi[2]), GS(r, r->bi[2]),
                             r->dw_tmp, r->ws);
    ddad_bn_shape s = {n, REFINE_MID, hw};
    ddad_bn_backward_acc(&s, r->z1, r->a1, r->g1, P(r, r->gi[1]), r->save_mean[1], r->save_invstd[1], r->g1,
                         GS(r, r->gi[1]), GS(r, r->be[1]), r->stats, count, red);
    ddad_conv2d_backward_acc(&r->ct[1], n, r->a0, P(r, r->wi[1]), r->g1, r->g0, GS(r, r->wi[1]), NULL,
                             r->dw_tmp, r->ws);
    ddad_bn_backward_acc(&s, r->z0, r->a0, r->g0, P(r, r->gi[0]), r->save_mean[0], r->save_invstd[0], r->g0,
                         GS(r, r->gi[0]), GS(r, r->be[0]), r->stats, count, red);
    ddad_conv2d_backward_acc(&r->ct[0], n, in, P(r, r->wi[0]), r->g0, NULL, GS(r, r->wi[0]), NULL,
                             r->dw_tmp, r->ws);
    /* The biases of the two convolutions that feed train-mode BatchNorm have a gradient of
     * exactly zero: BatchNorm's input gradient sums to zero over each channel. Summing it
     * would only give rounding noise, which Adam scales up to steps of size lr and which
     * would make the update depend on how the batch is split across ranks. */
    memset(GS(r, r->bi[0]), 0, sizeof(double) * r->ps.param_desc[r->bi[0]].count);
    memset(GS(r, r->bi[1]), 0, sizeof(double) * r->ps.param_desc[r->bi[1]].count);
    const double *gs = r->grad_sums;
    float *g = r->ps.grads;
    const size_t np = r->ps.n_params;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < np; i++) g[i] = (float)gs[i];
    return loss;
}

void ddad_refine_infer(ddad_refine *r, const float *in, int batch, float *prob1)
{
    if (batch < 1 || batch > r->max_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "refiner: batch %d outside 1..%d", batch, r->max_batch);
    forward(r, in, batch, 0, 0.0, NULL);
    const size_t hw = (size_t)r->h * r->w;
    for (int i = 0; i < batch; i++) memcpy(prob1 + i * hw, r->prob + ((size_t)i * REFINE_OUT + 1) * hw, hw * sizeof(float));
}

const float *ddad_refine_prob(const ddad_refine *r) { return r->prob; }

double *ddad_refine_grad_sums(ddad_refine *r) { return r->grad_sums; }

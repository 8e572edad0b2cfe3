/* AE and AE-U: encoder (4 x Conv k4 s2 p1 + BN + ReLU), linear bottleneck
 * (Linear + BN1d + ReLU + Linear, twice) and decoder (3 x ConvTranspose + BN + ReLU and a
 * final ConvTranspose). Parameter names and order follow PyTorch's state_dict. */
#include "model/ae.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/linear.h"
#include "nn/loss.h"

#define AE_HIDDEN 2048
_Static_assert(DDAD_AE_N_RELU == 9, "one ReLU per BatchNorm");
#define AE_NBN 9   /* BN layers: encoder 0-3, linear_enc 4, linear_dec 5, decoder 6-8 */

typedef struct {
    int weight, bias;             /* param indices (bias -1: none) */
} layer_ix;

typedef struct {
    int gamma, beta;              /* param indices */
    int mean, var;                /* buffer indices */
    int c, hw;
} bn_ix;

struct ddad_ae {
    ddad_ae_shape shape;
    int max_batch, training;
    int ch[4];                    /* encoder output channels */
    int fm, feat, cout;           /* bottleneck map size, flattened size, output channels */
    ddad_paramset ps;
    layer_ix enc[4], le[2], ld[2], dec[4];
    bn_ix bn[AE_NBN];
    ddad_conv_shape enc_s[4], dec_s[4];
    /* activations: z = pre-BN, a = after BN+ReLU */
    float *enc_z[4], *enc_a[4], *le_z, *le_a, *lat, *ld_z, *ld_a, *ld_out, *dec_z[3], *dec_a[3], *out;
    float *g0, *g1;               /* gradient ping-pong */
    float *ws;                    /* convolution workspace */
    double *stats;
    float *save_mean, *save_invstd;   /* [AE_NBN][max channels] */
    int bn_stride;
};

static float *act(size_t n, const char *what)
{
    return ddad_malloc_aligned((n ? n : 1) * sizeof(float), what);
}

static int add_param(ddad_paramset *ps, const char *prefix, int idx, const char *what, int ndim, const int *shape)
{
    char name[DDAD_TENSOR_NAME_MAX];
    snprintf(name, sizeof name, "%s.%d.%s", prefix, idx, what);
    ddad_paramset_add_param(ps, name, ndim, shape);
    return ps->n_param_desc - 1;
}

static void add_bn(ddad_paramset *ps, bn_ix *b, const char *prefix, int idx, int c, int hw)
{
    char name[DDAD_TENSOR_NAME_MAX];
    int shape[1] = {c};
    b->gamma = add_param(ps, prefix, idx, "weight", 1, shape);
    b->beta = add_param(ps, prefix, idx, "bias", 1, shape);
    snprintf(name, sizeof name, "%s.%d.running_mean", prefix, idx);
    ddad_paramset_add_buffer(ps, name, 1, shape);
    b->mean = ps->n_buffer_desc - 1;
    snprintf(name, sizeof name, "%s.%d.running_var", prefix, idx);
    ddad_paramset_add_buffer(ps, name, 1, shape);
    b->var = ps->n_buffer_desc - 1;
    b->c = c;
    b->hw = hw;
}

ddad_ae *ddad_ae_create(const ddad_ae_shape *shape, int max_batch, int training)
{
    if (shape->img_size < 16 || shape->img_size % 16 != 0)
        ddad_fatal(DDAD_EXIT_USAGE, "AE: img_size %d is not a positive multiple of 16", shape->img_size);
    if (shape->ls < 1) ddad_fatal(DDAD_EXIT_USAGE, "AE: latent size %d must be >= 1", shape->ls);
    if (max_batch < 1) ddad_fatal(DDAD_EXIT_USAGE, "AE: max_batch %d must be >= 1", max_batch);
    if (training && max_batch < 2)
        ddad_fatal(DDAD_EXIT_USAGE, "AE: training needs batches of at least 2 (BatchNorm), got max_batch %d",
                   max_batch);
    ddad_ae *ae = ddad_calloc(1, sizeof *ae, "AE");
    ae->shape = *shape;
    ae->max_batch = max_batch;
    ae->training = training;
    int c1 = (int)(16 * shape->mp), c2 = (int)(32 * shape->mp), c3 = (int)(64 * shape->mp);
    if (c1 < 1) ddad_fatal(DDAD_EXIT_USAGE, "AE: multiplier %g gives no channels", shape->mp);
    ae->ch[0] = c1;
    ae->ch[1] = c2;
    ae->ch[2] = c3;
    ae->ch[3] = c3;
    const int S = shape->img_size, N = max_batch;
    ae->fm = S / 16;
    ae->feat = c3 * ae->fm * ae->fm;
    ae->cout = shape->unc ? 2 : 1;
    const int ls = shape->ls, H = AE_HIDDEN;

    ddad_paramset *ps = &ae->ps;
    ddad_paramset_reset(ps);
    /* encoder: Conv(0,3,6,9), BN(1,4,7,10), ReLU */
    int cin = 1, sz = S;
    for (int i = 0; i < 4; i++) {
        int wshape[4] = {ae->ch[i], cin, 4, 4};
        ae->enc[i].weight = add_param(ps, "encoder", 3 * i, "weight", 4, wshape);
        ae->enc[i].bias = -1;
        sz /= 2;
        add_bn(ps, &ae->bn[i], "encoder", 3 * i + 1, ae->ch[i], sz * sz);
        ae->enc_s[i] = ddad_conv_shape_make(N, cin, sz * 2, sz * 2, ae->ch[i], 4, 2, 1);
        cin = ae->ch[i];
    }
    int w1[2] = {H, ae->feat}, b1[1] = {H}, w2[2] = {ls, H}, b2[1] = {ls};
    ae->le[0].weight = add_param(ps, "linear_enc", 0, "weight", 2, w1);
    ae->le[0].bias = add_param(ps, "linear_enc", 0, "bias", 1, b1);
    add_bn(ps, &ae->bn[4], "linear_enc", 1, H, 1);
    ae->le[1].weight = add_param(ps, "linear_enc", 3, "weight", 2, w2);
    ae->le[1].bias = add_param(ps, "linear_enc", 3, "bias", 1, b2);
    int w3[2] = {H, ls}, w4[2] = {ae->feat, H}, b4[1] = {ae->feat};
    ae->ld[0].weight = add_param(ps, "linear_dec", 0, "weight", 2, w3);
    ae->ld[0].bias = add_param(ps, "linear_dec", 0, "bias", 1, b1);
    add_bn(ps, &ae->bn[5], "linear_dec", 1, H, 1);
    ae->ld[1].weight = add_param(ps, "linear_dec", 3, "weight", 2, w4);
    ae->ld[1].bias = add_param(ps, "linear_dec", 3, "bias", 1, b4);
    /* decoder: ConvTranspose(0,3,6,9), BN(1,4,7) */
    const int dec_out[4] = {c3, c2, c1, ae->cout};
    cin = c3;
    sz = ae->fm;
    for (int i = 0; i < 4; i++) {
        int wshape[4] = {cin, dec_out[i], 4, 4};
        ae->dec[i].weight = add_param(ps, "decoder", 3 * i, "weight", 4, wshape);
        ae->dec[i].bias = -1;
        ae->dec_s[i] = ddad_convt_shape_make(N, cin, sz, sz, dec_out[i], 4, 2, 1);
        sz *= 2;
        if (i < 3) add_bn(ps, &ae->bn[6 + i], "decoder", 3 * i + 1, dec_out[i], sz * sz);
        cin = dec_out[i];
    }
    ddad_paramset_alloc(ps, training);

    /* activations and workspace */
    size_t maxact = (size_t)N * ae->cout * S * S, ws = 0;
    for (int i = 0; i < 4; i++) {
        size_t n = (size_t)N * ae->ch[i] * ae->bn[i].hw;
        ae->enc_z[i] = act(n, "AE activations");
        ae->enc_a[i] = act(n, "AE activations");
        if (n > maxact) maxact = n;
        size_t w = ddad_conv_workspace_floats(&ae->enc_s[i]);
        if (w > ws) ws = w;
        w = ddad_conv_workspace_floats(&ae->dec_s[i]);
        if (w > ws) ws = w;
    }
    for (int i = 0; i < 3; i++) {
        size_t n = (size_t)N * ae->bn[6 + i].c * ae->bn[6 + i].hw;
        ae->dec_z[i] = act(n, "AE activations");
        ae->dec_a[i] = act(n, "AE activations");
        if (n > maxact) maxact = n;
    }
    ae->le_z = act((size_t)N * H, "AE activations");
    ae->le_a = act((size_t)N * H, "AE activations");
    ae->ld_z = act((size_t)N * H, "AE activations");
    ae->ld_a = act((size_t)N * H, "AE activations");
    ae->lat = act((size_t)N * ls, "AE activations");
    ae->ld_out = act((size_t)N * ae->feat, "AE activations");
    ae->out = act((size_t)N * ae->cout * S * S, "AE activations");
    if ((size_t)N * H > maxact) maxact = (size_t)N * H;
    if ((size_t)N * ls > maxact) maxact = (size_t)N * ls;
    if (training) {
        ae->g0 = act(maxact, "AE gradients");
        ae->g1 = act(maxact, "AE gradients");
    }
    ae->ws = act(ws, "AE convolution workspace");
    ae->bn_stride = H > c3 ? H : c3;
    if (c1 > ae->bn_stride) ae->bn_stride = c1;
    ae->stats = ddad_malloc(sizeof(double) * 2 * ae->bn_stride, "BatchNorm statistics");
    ae->save_mean = act((size_t)AE_NBN * ae->bn_stride, "BatchNorm statistics");
    ae->save_invstd = act((size_t)AE_NBN * ae->bn_stride, "BatchNorm statistics");
    return ae;
}

void ddad_ae_free(ddad_ae *ae)
{
    if (!ae) return;
    for (int i = 0; i < 4; i++) {
        free(ae->enc_z[i]);
        free(ae->enc_a[i]);
    }
    for (int i = 0; i < 3; i++) {
        free(ae->dec_z[i]);
        free(ae->dec_a[i]);
    }
    free(ae->le_z);
    free(ae->le_a);
    free(ae->ld_z);
    free(ae->ld_a);
    free(ae->lat);
    free(ae->ld_out);
    free(ae->out);
    free(ae->g0);
    free(ae->g1);
    free(ae->ws);
    free(ae->stats);
    free(ae->save_mean);
    free(ae->save_invstd);
    ddad_paramset_release(&ae->ps);
    free(ae);
}

ddad_paramset *ddad_ae_paramset(ddad_ae *ae) { return &ae->ps; }
const ddad_ae_shape *ddad_ae_get_shape(const ddad_ae *ae) { return &ae->shape; }

static double fan_in_bound(const ddad_tensor_desc *d, int transposed)
{
    /* Conv2d (out,in,k,k): in*k*k; ConvTranspose2d (in,out,k,k): out*k*k; Linear (out,in): in */
    size_t fan = (size_t)d->shape[1];
    for (int i = 2; i < d->ndim; i++) fan *= (size_t)d->shape[i];
    (void)transposed;
    return 1.0 / sqrt((double)fan);
}

void ddad_ae_init(ddad_ae *ae, uint64_t seed, int module, int member)
{
    ddad_paramset *ps = &ae->ps;
    layer_ix *lin[4] = {&ae->le[0], &ae->le[1], &ae->ld[0], &ae->ld[1]};
    for (int i = 0; i < 4; i++) {
        ddad_paramset_init_uniform(ps, ae->enc[i].weight, fan_in_bound(&ps->param_desc[ae->enc[i].weight], 0), seed,
                                   module, member);
        ddad_paramset_init_uniform(ps, ae->dec[i].weight, fan_in_bound(&ps->param_desc[ae->dec[i].weight], 1), seed,
                                   module, member);
        double b = fan_in_bound(&ps->param_desc[lin[i]->weight], 0);
        ddad_paramset_init_uniform(ps, lin[i]->weight, b, seed, module, member);
        ddad_paramset_init_uniform(ps, lin[i]->bias, b, seed, module, member);
    }
    for (int i = 0; i < AE_NBN; i++) {
        ddad_paramset_fill(ps, ae->bn[i].gamma, 1.0f);
        ddad_paramset_fill(ps, ae->bn[i].beta, 0.0f);
        const ddad_tensor_desc *m = &ps->buffer_desc[ae->bn[i].mean], *v = &ps->buffer_desc[ae->bn[i].var];
        for (size_t k = 0; k < m->count; k++) {
            ps->buffers[m->offset + k] = 0.0f;
            ps->buffers[v->offset + k] = 1.0f;
        }
    }
    ps->num_batches_tracked = 0;
    ps->step = 0;
    if (ps->adam_m) {
        memset(ps->adam_m, 0, sizeof(float) * ps->n_params);
        memset(ps->adam_v, 0, sizeof(float) * ps->n_params);
    }
}

static float *P(ddad_ae *ae, int idx) { return ae->ps.params + ae->ps.param_desc[idx].offset; }
static float *G(ddad_ae *ae, int idx) { return ae->ps.grads + ae->ps.param_desc[idx].offset; }
static float *B(ddad_ae *ae, int idx) { return ae->ps.buffers + ae->ps.buffer_desc[idx].offset; }

static void bn_fwd(ddad_ae *ae, int i, int n, const float *x, float *y, int train)
{
    bn_ix *b = &ae->bn[i];
    ddad_bn_shape s = {n, b->c, b->hw};
    if (train)
        ddad_bn_forward_train(&s, x, P(ae, b->gamma), P(ae, b->beta), 1, y, B(ae, b->mean), B(ae, b->var),
                              ae->save_mean + (size_t)i * ae->bn_stride, ae->save_invstd + (size_t)i * ae->bn_stride,
                              ae->stats, (double)n * b->hw, NULL);
    else
        ddad_bn_forward_eval(&s, x, P(ae, b->gamma), P(ae, b->beta), 1, B(ae, b->mean), B(ae, b->var), y);
}

/* Eval-mode BatchNorm i + ReLU as a convolution epilogue (scale, shift: [channels]). */
static ddad_conv_epilogue eval_epilogue(ddad_ae *ae, int i, float *scale, float *shift)
{
    bn_ix *b = &ae->bn[i];
    ddad_bn_eval_affine(b->c, P(ae, b->gamma), P(ae, b->beta), B(ae, b->mean), B(ae, b->var), scale, shift);
    ddad_conv_epilogue e = {scale, shift, 1};
    return e;
}

static void bn_bwd(ddad_ae *ae, int i, int n, const float *z, const float *a, float *g)
{
    bn_ix *b = &ae->bn[i];
    ddad_bn_shape s = {n, b->c, b->hw};
    ddad_bn_backward(&s, z, a, g, P(ae, b->gamma), ae->save_mean + (size_t)i * ae->bn_stride,
                     ae->save_invstd + (size_t)i * ae->bn_stride, g, G(ae, b->gamma), G(ae, b->beta), ae->stats,
                     (double)n * b->hw, NULL);
}

static void check_batch(const ddad_ae *ae, int batch, int train)
{
    if (batch < 1 || batch > ae->max_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "AE: batch %d outside 1..%d (max_batch at creation)", batch, ae->max_batch);
    if (train && batch < 2)
        ddad_fatal(DDAD_EXIT_RUNTIME, "AE: train-mode BatchNorm needs a batch of at least 2, got %d", batch);
}

/* Forward into ae->out. per_sample (eval only): see ddad_ae_forward_per_sample. */
static void forward_mode(ddad_ae *ae, const float *x, int n, int train, int per_sample)
{
    ddad_conv_shape enc_s[4], dec_s[4];
    for (int i = 0; i < 4; i++) {
        enc_s[i] = ae->enc_s[i];
        dec_s[i] = ae->dec_s[i];
        if (per_sample) enc_s[i].chunk = dec_s[i].chunk = 1;
    }
    void (*linear)(int, int, int, const float *, const float *, const float *, float *) =
        per_sample ? ddad_linear_forward_rows : ddad_linear_forward;
    const float *in = x;
    for (int i = 0; i < 4; i++) {
        if (train) {
            ddad_conv2d_forward(&enc_s[i], n, in, P(ae, ae->enc[i].weight), NULL, ae->enc_z[i], ae->ws);
            bn_fwd(ae, i, n, ae->enc_z[i], ae->enc_a[i], train);
        } else {   /* eval: BatchNorm + ReLU applied as the convolution writes its output */
            float scale[ae->bn[i].c], shift[ae->bn[i].c];
            ddad_conv_epilogue epi = eval_epilogue(ae, i, scale, shift);
            ddad_conv2d_forward_epi(&enc_s[i], n, in, P(ae, ae->enc[i].weight), NULL, ae->enc_a[i], ae->ws, &epi);
        }
        in = ae->enc_a[i];
    }
    const int H = AE_HIDDEN, ls = ae->shape.ls;
    linear(n, ae->feat, H, in, P(ae, ae->le[0].weight), P(ae, ae->le[0].bias), ae->le_z);
    bn_fwd(ae, 4, n, ae->le_z, ae->le_a, train);
    linear(n, H, ls, ae->le_a, P(ae, ae->le[1].weight), P(ae, ae->le[1].bias), ae->lat);
    linear(n, ls, H, ae->lat, P(ae, ae->ld[0].weight), P(ae, ae->ld[0].bias), ae->ld_z);
    bn_fwd(ae, 5, n, ae->ld_z, ae->ld_a, train);
    linear(n, H, ae->feat, ae->ld_a, P(ae, ae->ld[1].weight), P(ae, ae->ld[1].bias), ae->ld_out);
    in = ae->ld_out;
    for (int i = 0; i < 3; i++) {
        if (train) {
            ddad_convt_forward(&dec_s[i], n, in, P(ae, ae->dec[i].weight), ae->dec_z[i], ae->ws);
            bn_fwd(ae, 6 + i, n, ae->dec_z[i], ae->dec_a[i], train);
        } else {
            float scale[ae->bn[6 + i].c], shift[ae->bn[6 + i].c];
            ddad_conv_epilogue epi = eval_epilogue(ae, 6 + i, scale, shift);
            ddad_convt_forward_epi(&dec_s[i], n, in, P(ae, ae->dec[i].weight), ae->dec_a[i], ae->ws, &epi);
        }
        in = ae->dec_a[i];
    }
    ddad_convt_forward(&dec_s[3], n, in, P(ae, ae->dec[3].weight), ae->out, ae->ws);
    if (train) ae->ps.num_batches_tracked++;
}

static void forward(ddad_ae *ae, const float *x, int n, int train) { forward_mode(ae, x, n, train, 0); }

/* Backward from the output gradient in ae->g0. */
static void backward(ddad_ae *ae, const float *x, int n)
{
    float *g = ae->g0, *h = ae->g1, *t;
    ddad_convt_backward(&ae->dec_s[3], n, ae->dec_a[2], P(ae, ae->dec[3].weight), g, h, G(ae, ae->dec[3].weight),
                        ae->ws);
    for (int i = 2; i >= 0; i--) {
        t = g; g = h; h = t;   /* g: gradient w.r.t. dec_a[i] */
        bn_bwd(ae, 6 + i, n, ae->dec_z[i], ae->dec_a[i], g);
        const float *in = i > 0 ? ae->dec_a[i - 1] : ae->ld_out;
        ddad_convt_backward(&ae->dec_s[i], n, in, P(ae, ae->dec[i].weight), g, h, G(ae, ae->dec[i].weight), ae->ws);
    }
    t = g; g = h; h = t;       /* g: gradient w.r.t. ld_out */
    const int H = AE_HIDDEN, ls = ae->shape.ls;
    ddad_linear_backward(n, H, ae->feat, ae->ld_a, P(ae, ae->ld[1].weight), g, h, G(ae, ae->ld[1].weight),
                         G(ae, ae->ld[1].bias));
    bn_bwd(ae, 5, n, ae->ld_z, ae->ld_a, h);
    ddad_linear_backward(n, ls, H, ae->lat, P(ae, ae->ld[0].weight), h, g, G(ae, ae->ld[0].weight),
                         G(ae, ae->ld[0].bias));
    ddad_linear_backward(n, H, ls, ae->le_a, P(ae, ae->le[1].weight), g, h, G(ae, ae->le[1].weight),
                         G(ae, ae->le[1].bias));
    bn_bwd(ae, 4, n, ae->le_z, ae->le_a, h);
    ddad_linear_backward(n, ae->feat, H, ae->enc_a[3], P(ae, ae->le[0].weight), h, g, G(ae, ae->le[0].weight),
                         G(ae, ae->le[0].bias));
    for (int i = 3; i >= 0; i--) {
        bn_bwd(ae, i, n, ae->enc_z[i], ae->enc_a[i], g);
        const float *in = i > 0 ? ae->enc_a[i - 1] : x;
        ddad_conv2d_backward(&ae->enc_s[i], n, in, P(ae, ae->enc[i].weight), g, i > 0 ? h : NULL,
                             G(ae, ae->enc[i].weight), NULL, ae->ws);
        t = g; g = h; h = t;
    }
}

static float loss_and_grad(ddad_ae *ae, const float *x, int n, float *rec_err)
{
    const int hw = ae->shape.img_size * ae->shape.img_size;
    if (ae->shape.unc) return ddad_aeu_loss(n, hw, ae->out, x, ae->g0, rec_err);
    float l = ddad_mse_loss((size_t)n * hw, ae->out, x, ae->g0);
    if (rec_err) *rec_err = l;
    return l;
}

float ddad_ae_forward_backward(ddad_ae *ae, const float *x, int batch)
{
    if (!ae->training) ddad_fatal(DDAD_EXIT_RUNTIME, "AE: forward_backward on an inference-only network");
    check_batch(ae, batch, 1);
    forward(ae, x, batch, 1);
    float loss = loss_and_grad(ae, x, batch, NULL);
    backward(ae, x, batch);
    return loss;
}

float ddad_ae_train_step(ddad_ae *ae, const float *x, int batch, const ddad_adam_cfg *opt, float *rec_err)
{
    if (!ae->training) ddad_fatal(DDAD_EXIT_RUNTIME, "AE: train_step on an inference-only network");
    check_batch(ae, batch, 1);
    forward(ae, x, batch, 1);
    float loss = loss_and_grad(ae, x, batch, rec_err);
    backward(ae, x, batch);
    ddad_adam_step(&ae->ps, opt);
    return loss;
}

void ddad_ae_forward(ddad_ae *ae, const float *x, int batch, int train_mode, float *out)
{
    check_batch(ae, batch, train_mode);
    forward(ae, x, batch, train_mode);
    size_t n = (size_t)batch * ae->cout * ae->shape.img_size * ae->shape.img_size;
    memcpy(out, ae->out, n * sizeof(float));
}

void ddad_ae_forward_per_sample(ddad_ae *ae, const float *x, int batch, float *out)
{
    check_batch(ae, batch, 0);
    forward_mode(ae, x, batch, 0, 1);
    size_t n = (size_t)batch * ae->cout * ae->shape.img_size * ae->shape.img_size;
    memcpy(out, ae->out, n * sizeof(float));
}

const float *ddad_ae_output(const ddad_ae *ae) { return ae->out; }

const float *ddad_ae_relu_output(const ddad_ae *ae, int i, size_t *per_sample)
{
    if (i < 0 || i >= DDAD_AE_N_RELU) ddad_fatal(DDAD_EXIT_RUNTIME, "AE: no BatchNorm + ReLU layer %d", i);
    *per_sample = (size_t)ae->bn[i].c * ae->bn[i].hw;
    const float *a[DDAD_AE_N_RELU] = {ae->enc_a[0], ae->enc_a[1], ae->enc_a[2], ae->enc_a[3], ae->le_a,
                                      ae->ld_a,     ae->dec_a[0], ae->dec_a[1], ae->dec_a[2]};
    return a[i];
}

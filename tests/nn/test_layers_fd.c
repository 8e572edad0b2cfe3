/* Finite-difference gradient checks of every layer and loss: the objective is
 * sum(y * r) for a fixed random r (or the loss itself), accumulated in double; central
 * differences on sampled coordinates of every input and parameter must match the analytic
 * backward to 0.1% of the tensor's largest gradient. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/relu.h"
#include "nn/softmax.h"
#include "nn/threads.h"

#define H_STEP 1e-3f
#define TOL 1e-3
#define SAMPLES 24

static ddad_rng rng;
static int failures = 0;

static float *rnd(size_t n, float lo, float hi)
{
    float *p = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * ddad_rng_uniformf(&rng);
    return p;
}

/* A layer under test: forward(ctx) returns the objective; backward(ctx) fills the grads. */
typedef struct {
    double (*objective)(void *ctx);
    void (*backward)(void *ctx);
    void *ctx;
} layer;

/* Compares d objective / d t[i] by central differences with the analytic g. */
static void check(const char *what, const char *tensor, layer *l, float *t, const float *g, size_t n)
{
    double scale = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(g[i]) > scale) scale = fabs(g[i]);
    if (scale == 0) scale = 1e-12;
    for (int s = 0; s < SAMPLES && s < (int)n * 4; s++) {
        size_t i = (size_t)ddad_rng_randint(&rng, 0, (int64_t)n);
        float keep = t[i];
        t[i] = keep + H_STEP;
        double fp = l->objective(l->ctx);
        t[i] = keep - H_STEP;
        double fm = l->objective(l->ctx);
        t[i] = keep;
        double fd = (fp - fm) / (2.0 * H_STEP);
        double e = fabs(fd - g[i]) / scale;
        if (!(e <= worst)) worst = e;
    }
    int ok = worst <= TOL;
    failures += !ok;
    printf("%-22s d/d%-6s worst %.2e of max|grad| %.2e  %s\n", what, tensor, worst, scale, ok ? "ok" : "FAIL");
}

static double dot(const float *y, const float *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)y[i] * r[i];
    return s;
}

/* ---- convolution ---- */
typedef struct {
    ddad_conv_shape s;
    int transposed;
    float *x, *w, *b, *y, *r, *dx, *dw, *db, *ws;
    size_t nx, nw, ny;
} conv_ctx;

static double conv_obj(void *p)
{
    conv_ctx *c = p;
    if (c->transposed)
        ddad_convt_forward(&c->s, c->s.n, c->x, c->w, c->y, c->ws);
    else
        ddad_conv2d_forward(&c->s, c->s.n, c->x, c->w, c->b, c->y, c->ws);
    return dot(c->y, c->r, c->ny);
}

static void conv_bwd(void *p)
{
    conv_ctx *c = p;
    if (c->transposed)
        ddad_convt_backward(&c->s, c->s.n, c->x, c->w, c->r, c->dx, c->dw, c->ws);
    else
        ddad_conv2d_backward(&c->s, c->s.n, c->x, c->w, c->r, c->dx, c->dw, c->db, c->ws);
}

static void conv_case(const char *name, ddad_conv_shape s, int transposed, int bias)
{
    conv_ctx c = {.s = s, .transposed = transposed};
    size_t in_sz = (size_t)s.c * s.h * s.w, out_sz = (size_t)s.k * s.oh * s.ow;
    c.nx = (size_t)s.n * (transposed ? out_sz : in_sz);
    c.ny = (size_t)s.n * (transposed ? in_sz : out_sz);
    c.nw = (size_t)s.k * s.c * s.kh * s.kw;
    c.x = rnd(c.nx, -1, 1);
    c.w = rnd(c.nw, -0.5f, 0.5f);
    c.b = bias ? rnd(s.k, -0.5f, 0.5f) : NULL;
    c.r = rnd(c.ny, -1, 1);
    c.y = rnd(c.ny, 0, 0);
    c.dx = rnd(c.nx, 0, 0);
    c.dw = rnd(c.nw, 0, 0);
    c.db = bias ? rnd(s.k, 0, 0) : NULL;
    c.ws = rnd(ddad_conv_workspace_floats(&s), 0, 0);
    layer l = {conv_obj, conv_bwd, &c};
    conv_obj(&c);
    conv_bwd(&c);
    check(name, "x", &l, c.x, c.dx, c.nx);
    check(name, "w", &l, c.w, c.dw, c.nw);
    if (bias) check(name, "b", &l, c.b, c.db, s.k);
    free(c.x), free(c.w), free(c.b), free(c.r), free(c.y), free(c.dx), free(c.dw), free(c.db), free(c.ws);
}

/* ---- BatchNorm (train mode) ---- */
typedef struct {
    ddad_bn_shape s;
    int relu;
    float *x, *g, *b, *y, *r, *rm, *rv, *sm, *si, *dx, *dg, *db;
    double *stats;
    size_t n;
} bn_ctx;

static double bn_obj(void *p)
{
    bn_ctx *c = p;
    ddad_bn_forward_train(&c->s, c->x, c->g, c->b, c->relu, c->y, c->rm, c->rv, c->sm, c->si, c->stats, (double)c->n / c->s.c,
                          NULL);
    return dot(c->y, c->r, c->n);
}

static void bn_bwd(void *p)
{
    bn_ctx *c = p;
    memcpy(c->dx, c->r, sizeof(float) * c->n);
    ddad_bn_backward(&c->s, c->x, c->relu ? c->y : NULL, c->dx, c->g, c->sm, c->si, c->dx, c->dg, c->db, c->stats,
                     (double)c->n / c->s.c, NULL);
}

static void bn_case(const char *name, int n, int ch, int hw, int relu)
{
    bn_ctx c = {.s = {n, ch, hw}, .relu = relu, .n = (size_t)n * ch * hw};
    c.x = rnd(c.n, -2, 3);
    c.g = rnd(ch, 0.5f, 1.5f);
    c.b = rnd(ch, -0.5f, 0.5f);
    c.y = rnd(c.n, 0, 0);
    c.r = rnd(c.n, -1, 1);
    c.rm = rnd(ch, 0, 0);
    c.rv = rnd(ch, 1, 1);
    c.sm = rnd(ch, 0, 0);
    c.si = rnd(ch, 0, 0);
    c.dx = rnd(c.n, 0, 0);
    c.dg = rnd(ch, 0, 0);
    c.db = rnd(ch, 0, 0);
    c.stats = malloc(sizeof(double) * 2 * ch);
    layer l = {bn_obj, bn_bwd, &c};
    bn_obj(&c);
    bn_bwd(&c);
    check(name, "x", &l, c.x, c.dx, c.n);
    check(name, "gamma", &l, c.g, c.dg, ch);
    check(name, "beta", &l, c.b, c.db, ch);
    free(c.x), free(c.g), free(c.b), free(c.y), free(c.r), free(c.rm), free(c.rv), free(c.sm), free(c.si);
    free(c.dx), free(c.dg), free(c.db), free(c.stats);
}

/* ---- Linear ---- */
typedef struct {
    int n, in, out;
    float *x, *w, *b, *y, *r, *dx, *dw, *db;
} lin_ctx;

static double lin_obj(void *p)
{
    lin_ctx *c = p;
    ddad_linear_forward(c->n, c->in, c->out, c->x, c->w, c->b, c->y);
    return dot(c->y, c->r, (size_t)c->n * c->out);
}

static void lin_bwd(void *p)
{
    lin_ctx *c = p;
    ddad_linear_backward(c->n, c->in, c->out, c->x, c->w, c->r, c->dx, c->dw, c->db);
}

/* ---- ReLU, softmax, losses: objective over an input vector ---- */
typedef struct {
    int kind;            /* 0 relu, 1 softmax, 2 mse, 3 aeu, 4 focal */
    int n, c, hw;
    float *x, *t, *y, *r, *dx;
    uint8_t *target;
    size_t nx;
} pw_ctx;

static double pw_obj(void *p)
{
    pw_ctx *c = p;
    switch (c->kind) {
    case 0:
        ddad_relu_forward(c->nx, c->x, c->y);
        return dot(c->y, c->r, c->nx);
    case 1:
        ddad_softmax_channels_forward(c->n, c->c, c->hw, c->x, c->y);
        return dot(c->y, c->r, c->nx);
    case 2: return ddad_mse_loss(c->nx, c->x, c->t, NULL);
    case 3: return ddad_aeu_loss(c->n, c->hw, c->x, c->t, NULL, NULL);
    default: return ddad_focal_loss(c->n, c->hw, c->x, c->target, (double)c->n * c->hw, NULL);
    }
}

static void pw_bwd(void *p)
{
    pw_ctx *c = p;
    switch (c->kind) {
    case 0: pw_obj(c); ddad_relu_backward(c->nx, c->y, c->r, c->dx); break;
    case 1: pw_obj(c); ddad_softmax_channels_backward(c->n, c->c, c->hw, c->y, c->r, c->dx); break;
    case 2: ddad_mse_loss(c->nx, c->x, c->t, c->dx); break;
    case 3: ddad_aeu_loss(c->n, c->hw, c->x, c->t, c->dx, NULL); break;
    default: ddad_focal_loss(c->n, c->hw, c->x, c->target, (double)c->n * c->hw, c->dx); break;
    }
}

static void pw_case(const char *name, int kind, int n, int ch, int hw, float lo, float hi)
{
    pw_ctx c = {.kind = kind, .n = n, .c = ch, .hw = hw, .nx = (size_t)n * ch * hw};
    c.x = rnd(c.nx, lo, hi);
    if (kind == 0)   /* keep ReLU inputs away from the kink */
        for (size_t i = 0; i < c.nx; i++) c.x[i] += c.x[i] >= 0 ? 0.1f : -0.1f;
    c.t = rnd((size_t)n * hw, -1, 1);
    c.y = rnd(c.nx, 0, 0);
    c.r = rnd(c.nx, -1, 1);
    c.dx = rnd(c.nx, 0, 0);
    c.target = malloc((size_t)n * hw);
    for (int i = 0; i < n * hw; i++) c.target[i] = ddad_rng_uniformf(&rng) < 0.4f;
    layer l = {pw_obj, pw_bwd, &c};
    pw_bwd(&c);
    check(name, "x", &l, c.x, c.dx, c.nx);
    free(c.x), free(c.t), free(c.y), free(c.r), free(c.dx), free(c.target);
}

int main(void)
{
    ddad_nn_set_threads(0);
    ddad_rng_init(&rng, 3, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 0);
    conv_case("conv2d k4 s2 p1", ddad_conv_shape_make(2, 3, 8, 8, 4, 4, 2, 1), 0, 0);
    conv_case("conv2d k3 s1 p1 +bias", ddad_conv_shape_make(2, 3, 7, 6, 5, 3, 1, 1), 0, 1);
    conv_case("conv3x3 16->17 +bias", ddad_conv_shape_make(2, 16, 7, 5, 17, 3, 1, 1), 0, 1);
    conv_case("convtranspose k4 s2 p1", ddad_convt_shape_make(2, 4, 4, 4, 3, 4, 2, 1), 1, 0);
    bn_case("batchnorm2d train", 3, 4, 5, 0);
    bn_case("batchnorm1d train", 6, 5, 1, 0);
    lin_ctx lc = {.n = 3, .in = 5, .out = 4};
    lc.x = rnd(15, -1, 1), lc.w = rnd(20, -1, 1), lc.b = rnd(4, -1, 1), lc.y = rnd(12, 0, 0), lc.r = rnd(12, -1, 1);
    lc.dx = rnd(15, 0, 0), lc.dw = rnd(20, 0, 0), lc.db = rnd(4, 0, 0);
    layer ll = {lin_obj, lin_bwd, &lc};
    lin_bwd(&lc);
    check("linear", "x", &ll, lc.x, lc.dx, 15);
    check("linear", "w", &ll, lc.w, lc.dw, 20);
    check("linear", "b", &ll, lc.b, lc.db, 4);
    free(lc.x), free(lc.w), free(lc.b), free(lc.y), free(lc.r), free(lc.dx), free(lc.dw), free(lc.db);
    pw_case("relu", 0, 2, 3, 5, -1, 1);
    pw_case("softmax channels", 1, 2, 3, 5, -2, 2);
    pw_case("mse loss", 2, 2, 1, 6, -1, 1);
    pw_case("ae-u loss", 3, 2, 2, 6, -1, 1);
    pw_case("focal loss", 4, 2, 2, 6, 0.05f, 0.95f);
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}

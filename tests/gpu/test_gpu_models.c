/* End to end on the GPU against the CPU networks (src/model):
 *  - AE and AE-U: from the same initialisation, the gradients of one forward/backward
 *    (per tensor, 1e-4), the parameters after the first training step against the CPU's
 *    Adam of those gradients (per tensor, 1e-5), the state after it (running statistics,
 *    Adam moments) and the eval-mode output afterwards against the CPU's own step;
 *  - the refiner: loss, gradients (per tensor; the four that are sums of cancelling terms
 *    against the size of their terms), probabilities, eval-mode inference;
 *  - the graph-replayed trainer gives the same parameters as eager launches;
 *  - the refiner trainer's first step (FPI, 6 frozen members, maps, refiner step, Adam)
 *    against the same sequence on the CPU, and its graph replay against eager launches;
 *  - `ddad run`'s member on the GPU (cuda/member_gpu.h): a one-step epoch against the CPU
 *    member's epoch (the same batch order), parameters per tensor and the epoch loss.
 * In the CPU emulator (gpu.emu_models) all of these run, on smaller batches and images, with
 * graph capture and replay emulated (tests/gpu/emu/streams_emu.cpp). */
#include "gpu_test.h"

#include "cuda/ae_gpu.h"
#include "cuda/ae_train_gpu.h"
#include "cuda/gpu_ctx.h"
#include "cuda/member_gpu.h"
#include "cuda/refine_gpu.h"
#include "cuda/refine_train_gpu.h"
#include "data/batch.h"
#include "model/adam.h"
#include "model/ae.h"
#include "model/refine.h"
#include "nn/conv2d.h"

#define TOL_E2E 1e-4

/* Gradients that are exactly zero in exact arithmetic: biases whose effect reaches a
 * train-mode BatchNorm only linearly. Both paths hold independent rounding noise there
 * (rms 1e-11 to 1e-8), so their error is measured against the whole buffer's norm, as
 * tests/parity does against the largest gradient. */
static int zero_in_exact_arithmetic(const char *name)
{
    return !strcmp(name, "linear_enc.0.bias") || !strcmp(name, "linear_enc.3.bias") ||
           !strcmp(name, "linear_dec.0.bias");
}

/* Gradients that are sums of terms which cancel: BatchNorm's backward makes the gradient at
 * its input sum to zero per channel, so the weight gradients of the convolutions that feed
 * it (model.0, model.3) mostly cancel, by a factor of about 30 for the first one on
 * positive inputs; and the gradient reaching BatchNorm 0 is convolution 1's input gradient
 * of such a zero-sum field, so BatchNorm 0's gamma and beta gradients cancel too. fp32
 * rounding is relative to the size of the terms, not of their sum: check_cancelling_grads
 * checks these tensors against sum |term|. */
static const char *const k_term_checked[4] = {"model.0.weight", "model.3.weight", "model.1.weight", "model.1.bias"};

static int checked_against_terms(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, k_term_checked[i])) return 1;
    return 0;
}

/* One tensor's error: relative to its own norm, or for the gradients that are zero in exact
 * arithmetic relative to the whole buffer's norm `whole`. */
static double tensor_err(const ddad_tensor_desc *t, const float *got, const float *host, double whole)
{
    if (!zero_in_exact_arithmetic(t->name)) return rel_err(got + t->offset, host + t->offset, t->count);
    double num = 0.0;
    for (size_t j = 0; j < t->count; j++) {
        double d = (double)got[t->offset + j] - host[t->offset + j];
        num += d * d;
    }
    return isfinite(num) && whole > 0.0 ? sqrt(num) / whole : INFINITY;
}

static void compare_tensors(const char *what, const ddad_paramset *layout, const float *d_buf, const float *host,
                            double tol, int skip_term_checked)
{
    float *got = dev_download(d_buf, layout->n_params);
    double whole = 0.0;
    for (size_t i = 0; i < layout->n_params; i++) whole += (double)host[i] * host[i];
    whole = sqrt(whole);
    double worst = 0.0;
    const char *worst_name = "";
    for (int i = 0; i < layout->n_param_desc; i++) {
        const ddad_tensor_desc *t = &layout->param_desc[i];
        if (skip_term_checked && checked_against_terms(t->name)) continue;
        double e = tensor_err(t, got, host, whole);
        if (!(e <= worst)) {
            worst = e;
            worst_name = t->name;
        }
    }
    g_checks++;
    int ok = worst <= tol;
    if (!ok) g_failures++;
    printf("  %-44s worst tensor %s rel err %.3e (tol %.0e) %s\n", what, worst_name, worst, tol, ok ? "ok" : "FAIL");
    for (int i = 0; !ok && i < layout->n_param_desc; i++) {   // every tensor over, to tell a pattern from one slip
        const ddad_tensor_desc *t = &layout->param_desc[i];
        if (skip_term_checked && checked_against_terms(t->name)) continue;
        double e = tensor_err(t, got, host, whole);
        if (!(e <= tol)) printf("      %-40s rel err %.3e\n", t->name, e);
    }
    free(got);
}

/* The emulator runs every check on smaller batches and images (trainers: the image size of
 * the members and refiner; member: ddad run's member). */
#ifdef DDAD_CUDA_EMU
#define AE_BATCH 4
#define REFINE_BATCH 2
#define REFINE_SIZE 16
#define TRAINER_BATCH 4
#define TRAINER_SIZE 32
#define REFINE_TRAINER_BATCH 2
#define REFINE_TRAINER_SIZE 16
#define MEMBER_BATCH 4
#define MEMBER_SIZE 32
#else
#define AE_BATCH 16
#define REFINE_BATCH 4
#define REFINE_SIZE 64
#define TRAINER_BATCH 8
#define TRAINER_SIZE 64
#define REFINE_TRAINER_BATCH 4
#define REFINE_TRAINER_SIZE 64
#define MEMBER_BATCH 8
#define MEMBER_SIZE 64
#endif

/* ReLU's derivative jumps at 0, so where the GPU's and the CPU's roundings put one
 * activation on different sides of the kink, gradients upstream of it legitimately
 * differ: on the CPU alone, inputs moved by one ulp crossed a kink in 11 draws of 30 at
 * batch 16 (none at batch 4), and a crossing moved an AE-U gradient tensor by 4e-3 against
 * 7.6e-6 without one (bench/relu_kinks). Counts the elements whose sides differ; each
 * must be a rounding's width from 0 (|a| <= 1e-5 of its layer's rms), or the forwards
 * themselves disagree. */
static int relu_kinks_crossed(const ddad_ae *cpu, const ddad_ae_gpu *gpu, int n, double *farthest)
{
    int crossed = 0;
    *farthest = 0.0;
    for (int l = 0; l < DDAD_AE_N_RELU; l++) {
        size_t per = 0, per_gpu = 0;
        const float *a = ddad_ae_relu_output(cpu, l, &per);
        const float *d_b = ddad_ae_gpu_relu_output(gpu, l, &per_gpu);
        float *b = dev_download(d_b, (size_t)n * per_gpu);
        double ss = 0.0, far = 0.0;
        for (size_t i = 0; i < (size_t)n * per; i++) ss += (double)a[i] * a[i];
        const double rms = sqrt(ss / ((double)n * per));
        for (size_t i = 0; i < (size_t)n * per && per == per_gpu; i++)
            if ((a[i] > 0.0f) != (b[i] > 0.0f)) {
                crossed++;
                double v = fabs((double)a[i] + b[i]) / rms;   // one of the two is 0
                if (v > far) far = v;
            }
        if (far > *farthest) *farthest = far;
        g_checks++;
        int ok = per == per_gpu && far <= 1e-5;
        if (!ok) {
            g_failures++;
            printf("  ReLU %d: an activation on different sides at %.3e of the layer's rms (tol 1e-05) FAIL\n", l, far);
        }
        free(b);
    }
    return crossed;
}

static void test_ae(ddad_gpu_ctx *ctx, int unc)
{
    const int N = AE_BATCH, S = 64;
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = unc};
    const size_t nx = (size_t)N * S * S, nout = nx * (unc ? 2 : 1);
    printf(" %s, batch %d, %dx%d\n", unc ? "AE-U" : "AE", N, S, S);
    ddad_ae *cpu = ddad_ae_create(&shape, N, 1);
    ddad_paramset *ps = ddad_ae_paramset(cpu);
    ddad_ae_gpu *gpu = ddad_ae_gpu_create(ctx, &shape, N, 1);
    float *x = NULL, *d_x = NULL, *d_out = dev_poisoned(nout), loss = 0.0f;

    /* Gradients of one forward/backward from the same initialisation, on an input whose
     * ReLU sides agree (a new one, up to 6, while they do not; see relu_kinks_crossed). */
    for (int draw = 1;; draw++) {
        x = host_rand(nx, -1, 1), d_x = dev_upload(x, nx);
        ddad_ae_init(cpu, 11, DDAD_MOD_NDM, 0);
        ddad_ae_gpu_upload(gpu, ps);
        DDAD_CHECK_CUDA(cudaMemset(ddad_ae_gpu_grads(gpu), 0xFF, ps->n_params * sizeof(float)));
        dev_sync();
        ddad_ae_gpu_forward_backward(gpu, d_x, N);
        loss = ddad_ae_forward_backward(cpu, x, N);
        double far;
        int crossed = relu_kinks_crossed(cpu, gpu, N, &far);
        if (!crossed) break;
        printf("  input %d: %d ReLU activation(s) on different sides of the kink, at most %.1e of the layer's rms "
               "from 0;%s\n", draw, crossed, far, draw < 6 ? " another input" : " no input left");
        if (draw == 6) {
            g_checks++, g_failures++;
            break;
        }
        free(x);
        dev_free(d_x);
    }
    check_scalar("loss", ddad_gpu_read_float(ctx, ddad_ae_gpu_loss(gpu)), loss, TOL_E2E);
    check_dev("output", ddad_ae_gpu_output(gpu), ddad_ae_output(cpu), nout, TOL_E2E);
    compare_tensors("gradients", ps, ddad_ae_gpu_grads(gpu), ps->grads, TOL_E2E, 0);
    float *g_gpu = dev_download(ddad_ae_gpu_grads(gpu), ps->n_params);

    // The first training step (forward, backward, Adam) from the same initialisation.
    /* weight decay 1e-4 (members train with 0): Adam's first step is lr * g / (|g| + eps),
     * so the rounding noise of the gradients that are zero in exact arithmetic would move
     * those biases by +-lr at random on either side; wd * p outweighs that noise 400-fold */
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 1e-4f);
    ddad_ae_init(cpu, 11, DDAD_MOD_NDM, 0);
    ddad_ae_gpu_upload(gpu, ps);
    dev_fill(ddad_ae_gpu_grads(gpu), 0xFF, ps->n_params * sizeof(float));   // the step must compute its own
    ddad_ae_gpu_train_step(gpu, d_x, N, &opt);
    /* Its parameters against the CPU's Adam applied to the GPU's own gradients (those of the
     * forward/backward above: the same kernels on the same data). Not against the CPU's whole
     * step: Adam's first step, lr * g / (|g| + eps), turns the gradients' last-bit
     * differences into O(lr) moves wherever |g| is small (a BatchNorm1d beta measured
     * 8e-5 of its tensor on an H200, 2e-4 with other convolution algorithms). The gradients
     * themselves are compared with the CPU's above. */
    memcpy(ps->grads, g_gpu, ps->n_params * sizeof(float));
    ddad_adam_step(ps, &opt);
    compare_tensors("parameters after the first step (Adam of its gradients)", ps, ddad_ae_gpu_params(gpu),
                    ps->params, TOL_FP32, 0);
    ddad_ae_init(cpu, 11, DDAD_MOD_NDM, 0);   // the CPU's own step, for the state compared below
    ddad_ae_train_step(cpu, x, N, &opt, NULL);
    ddad_ae *tmp = ddad_ae_create(&shape, 2, 1);
    ddad_paramset *tps = ddad_ae_paramset(tmp);
    ddad_ae_gpu_download(gpu, tps);
    check_scalar("BatchNorm running stats", rel_err(tps->buffers, ps->buffers, ps->n_buffers), 0.0, TOL_E2E);
    check_scalar("Adam step counter", (double)tps->step, (double)ps->step, 0.0);
    check_scalar("num_batches_tracked", (double)tps->num_batches_tracked, (double)ps->num_batches_tracked, 0.0);
    check_scalar("Adam exp_avg", rel_err(tps->adam_m, ps->adam_m, ps->n_params), 0.0, TOL_E2E);

    // Eval mode with the updated running statistics.
    float *out = host_zeros(nout);
    ddad_ae_forward(cpu, x, N, 0, out);
    ddad_ae_gpu_forward(gpu, d_x, N, 0, d_out);
    check_dev("eval-mode output", d_out, out, nout, TOL_E2E);
    ddad_ae_gpu_freeze(gpu);
    dev_poison(d_out, nout);
    ddad_ae_gpu_forward(gpu, d_x, N, 0, d_out);
    check_dev("eval-mode output, frozen BatchNorm", d_out, out, nout, TOL_E2E);

    ddad_ae_free(tmp);
    free(g_gpu);
    ddad_ae_gpu_free(gpu);
    ddad_ae_free(cpu);
    DDAD_CHECK_CUDA(cudaFree(d_x));
    DDAD_CHECK_CUDA(cudaFree(d_out));
    free(x), free(out);
}

/* sum over the batch of |x| (*) |dz| for one 3x3 convolution's weights (the CPU
 * convolution's weight gradient of the absolute values), [k][c][3][3] */
static float *weight_grad_terms(int n, int c, int h, int k, const float *x, const float *dz)
{
    ddad_conv_shape s = ddad_conv_shape_make(n, c, h, h, k, 3, 1, 1);
    size_t nx = (size_t)n * c * h * h, nz = (size_t)n * k * h * h;
    float *ax = host_zeros(nx), *az = host_zeros(nz), *dw = host_zeros((size_t)k * c * 9);
    float *ws = host_zeros(ddad_conv_workspace_floats(&s));
    for (size_t i = 0; i < nx; i++) ax[i] = fabsf(x[i]);
    for (size_t i = 0; i < nz; i++) az[i] = fabsf(dz[i]);
    ddad_conv2d_backward(&s, n, ax, NULL, az, NULL, dw, NULL, ws);
    free(ax), free(az), free(ws);
    return dw;
}

/* Convolution 1's input gradient for weights w [k][c][3][3] and output gradient dz: the
 * gradient that reaches BatchNorm 0's output. x only feeds the unused weight gradient. */
static float *input_grad(int n, int c, int h, int k, const float *x, const float *w, const float *dz)
{
    ddad_conv_shape s = ddad_conv_shape_make(n, c, h, h, k, 3, 1, 1);
    float *dx = host_zeros((size_t)n * c * h * h), *dw = host_zeros((size_t)k * c * 9);
    float *ws = host_zeros(ddad_conv_workspace_floats(&s));
    ddad_conv2d_backward(&s, n, x, w, dz, dx, dw, NULL, ws);
    free(dw), free(ws);
    return dx;
}

static const ddad_tensor_desc *find_param(const ddad_paramset *ps, const char *name)
{
    for (int i = 0; i < ps->n_param_desc; i++)
        if (!strcmp(ps->param_desc[i].name, name)) return &ps->param_desc[i];
    fprintf(stderr, "no parameter %s in the refiner's layout\n", name);
    exit(1);
}

/* The tensors of checked_against_terms: the GPU's error against the CPU's, relative to the
 * norm of sum |term| per entry. Terms: |x| (*) |dz| for the convolution weights; for
 * BatchNorm 0, over the elements ReLU passes (a0 > 0), |dy| for beta and |dy * xhat| for
 * gamma, with xhat = (a0 - beta) / gamma there. fp32 sums of n = 16384 terms in any order
 * round by about sqrt(n) * 2^-24 = 8e-6 of that; the tolerance is 6e-5, and an H200
 * measured 1.5e-5 to 2.8e-5. A wrong gradient misses by |gradient| / |terms| or more,
 * 1/30 to 1/10 here. */
static void check_cancelling_grads(ddad_refine_gpu *gpu, const ddad_paramset *ps, const float *in, int n, int c,
                                   int h)
{
    const float *d_dz0, *d_dz1, *d_a0;
    ddad_refine_gpu_backward_views(gpu, &d_dz0, &d_dz1, &d_a0);
    const size_t hw = (size_t)h * h, nmid = (size_t)n * 128 * hw;
    float *dz0 = dev_download(d_dz0, nmid), *dz1 = dev_download(d_dz1, nmid), *a0 = dev_download(d_a0, nmid);
    float *got = dev_download(ddad_refine_gpu_grads(gpu), ps->n_params);
    const float *w1 = ps->params + find_param(ps, "model.3.weight")->offset;
    const float *gamma0 = ps->params + find_param(ps, "model.1.weight")->offset;
    const float *beta0 = ps->params + find_param(ps, "model.1.bias")->offset;
    float *dy0 = input_grad(n, 128, h, 128, a0, w1, dz1);
    float *terms[4] = {weight_grad_terms(n, c, h, 128, in, dz0), weight_grad_terms(n, 128, h, 128, a0, dz1),
                       host_zeros(128), host_zeros(128)};
    for (int k = 0; k < 128; k++) {
        double sb = 0.0, sg = 0.0;
        for (int i = 0; i < n; i++)
            for (size_t p = 0; p < hw; p++) {
                size_t j = ((size_t)i * 128 + k) * hw + p;
                if (!(a0[j] > 0.0f)) continue;
                sb += fabs(dy0[j]);
                sg += gamma0[k] != 0.0f ? fabs(dy0[j] * (a0[j] - beta0[k]) / gamma0[k]) : 0.0;
            }
        terms[2][k] = (float)sg;
        terms[3][k] = (float)sb;
    }
    for (int l = 0; l < 4; l++) {
        const ddad_tensor_desc *t = find_param(ps, k_term_checked[l]);
        double num = 0.0, den = 0.0, gn = 0.0;
        for (size_t j = 0; j < t->count; j++) {
            double d = (double)got[t->offset + j] - ps->grads[t->offset + j];
            num += d * d;
            den += (double)terms[l][j] * terms[l][j];
            gn += (double)ps->grads[t->offset + j] * ps->grads[t->offset + j];
        }
        double e = isfinite(num) && den > 0.0 ? sqrt(num / den) : INFINITY;
        char what[96];
        snprintf(what, sizeof what, "gradient %s vs |terms| (cancel x%.0f)", k_term_checked[l],
                 gn > 0 ? sqrt(den / gn) : 0.0);
        g_checks++;
        int ok = e <= 6e-5;
        if (!ok) g_failures++;
        printf("  %-44s rel err %.3e (tol 6e-05) %s; vs |gradient| %.3e\n", what, e, ok ? "ok" : "FAIL",
               gn > 0 ? sqrt(num / gn) : INFINITY);
        free(terms[l]);
    }
    free(dz0), free(dz1), free(a0), free(dy0), free(got);
}

static void test_refine(ddad_gpu_ctx *ctx)
{
    const int N = REFINE_BATCH, H = REFINE_SIZE, C = 2;
    const size_t hw = (size_t)H * H, nin = (size_t)N * C * hw;
    printf(" refiner, batch %d, %dx%d, %d input channels\n", N, H, H, C);
    ddad_refine *cpu = ddad_refine_create(C, H, H, N, 1);
    ddad_paramset *ps = ddad_refine_paramset(cpu);
    ddad_refine_init(cpu, 5);
    ddad_refine_gpu *gpu = ddad_refine_gpu_create(ctx, C, H, H, N, 1);
    ddad_refine_gpu_upload(gpu, ps);
    float *in = host_rand(nin, 0, 0.5f);
    uint8_t *t = (uint8_t *)malloc(N * hw);
    for (int i = 0; i < N; i++)
        for (size_t p = 0; p < hw; p++)   /* rows 20..39 and columns from 11 at 64x64, scaled */
            t[i * hw + p] = (i % 2) && (int)(p / H) > H * 5 / 16 && (int)(p / H) < H * 10 / 16 && (int)(p % H) > H / 6;
    float *d_in = dev_upload(in, nin);
    uint8_t *d_t = (uint8_t *)dev_alloc(N * hw);
    DDAD_CHECK_CUDA(cudaMemcpy(d_t, t, N * hw, cudaMemcpyHostToDevice));
    DDAD_CHECK_CUDA(cudaMemset(ddad_refine_gpu_grads(gpu), 0xFF, ps->n_params * sizeof(float)));
    dev_sync();
    ddad_refine_gpu_forward_backward(gpu, d_in, d_t, N, N, NULL);
    float loss = ddad_refine_forward_backward(cpu, in, t, N, N, NULL);
    check_scalar("focal loss", ddad_gpu_read_float(ctx, ddad_refine_gpu_loss(gpu)), loss, TOL_E2E);
    check_dev("probabilities", ddad_refine_gpu_prob(gpu), ddad_refine_prob(cpu), (size_t)N * 2 * hw, TOL_E2E);
    compare_tensors("gradients (the others)", ps, ddad_refine_gpu_grads(gpu), ps->grads, TOL_E2E, 1);
    check_cancelling_grads(gpu, ps, in, N, C, H);
    ddad_adam_cfg opt = ddad_adam_defaults(1e-4f, 1e-4f);
    ddad_adam_step(ps, &opt);
    ddad_refine_gpu_adam(gpu, &opt);
    float *prob1 = host_zeros((size_t)N * hw), *d_p1 = dev_poisoned((size_t)N * hw);
    ddad_refine_infer(cpu, in, N, prob1);
    ddad_refine_gpu_infer(gpu, d_in, N, d_p1);
    check_dev("eval-mode class-1 probability", d_p1, prob1, (size_t)N * hw, TOL_E2E);
    ddad_refine_gpu_free(gpu);
    ddad_refine_free(cpu);
    DDAD_CHECK_CUDA(cudaFree(d_in));
    DDAD_CHECK_CUDA(cudaFree(d_t));
    DDAD_CHECK_CUDA(cudaFree(d_p1));
    free(in), free(t), free(prob1);
}

static void test_trainer(ddad_gpu_ctx *ctx)
{
    enum { N = TRAINER_BATCH, S = TRAINER_SIZE, nimg = 40, steps = 6 };
    const size_t hw = (size_t)S * S;
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = 0};
    printf(" graph-replayed trainer vs eager launches, %d steps of %d\n", steps, N);
    uint8_t *img = (uint8_t *)malloc(nimg * hw);
    for (size_t i = 0; i < nimg * hw; i++) img[i] = (uint8_t)ddad_rng_randint(&g_rng, 0, 256);
    int64_t order[steps * N];
    for (int i = 0; i < steps * N; i++) order[i] = ddad_rng_randint(&g_rng, 0, nimg);
    uint8_t *d_img = (uint8_t *)dev_alloc(nimg * hw);
    int64_t *d_order = (int64_t *)dev_alloc(sizeof order);
    DDAD_CHECK_CUDA(cudaMemcpy(d_img, img, nimg * hw, cudaMemcpyHostToDevice));
    DDAD_CHECK_CUDA(cudaMemcpy(d_order, order, sizeof order, cudaMemcpyHostToDevice));
    dev_sync();
    ddad_ae *cpu = ddad_ae_create(&shape, 2, 1);
    ddad_ae_init(cpu, 3, DDAD_MOD_UDM, 1);
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 0.0f);
    ddad_ae_gpu *g[2];
    float last[2] = {0, 0};
    int readings[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        g[k] = ddad_ae_gpu_create(ctx, &shape, N, 1);
        ddad_ae_gpu_upload(g[k], ddad_ae_paramset(cpu));
        ddad_ae_gpu_trainer *t = ddad_ae_gpu_trainer_create(g[k], d_img, d_order, steps, N, &opt, 2, k == 1);
        ddad_ae_gpu_trainer_run(t, 3);
        ddad_ae_gpu_trainer_run(t, steps - 3);
        ddad_loss_reading r;
        while (ddad_ae_gpu_trainer_poll(t, 1, &r)) {
            last[k] = r.loss;
            readings[k]++;
        }
        ddad_ae_gpu_trainer_free(t);
    }
    const ddad_paramset *L = ddad_ae_gpu_layout(g[0]);
    float *eager = dev_download(ddad_ae_gpu_params(g[0]), L->n_params);
    compare_tensors("graph vs eager parameters", L, ddad_ae_gpu_params(g[1]), eager, 1e-6, 0);
    check_scalar("graph vs eager last loss", last[1], last[0], 1e-6);
    check_scalar("loss readings (every 2 of 6 steps)", readings[1], 3, 0.0);
    check_scalar("final loss read back matches the device", ddad_gpu_read_float(ctx, ddad_ae_gpu_loss(g[1])), last[1],
                 0.0);
    for (int k = 0; k < 2; k++) ddad_ae_gpu_free(g[k]);
    ddad_ae_free(cpu);
    DDAD_CHECK_CUDA(cudaFree(d_img));
    DDAD_CHECK_CUDA(cudaFree(d_order));
    free(img), free(eager);
}

static float pix(uint8_t p) { return ((float)p / 255.0f - 0.5f) / 0.5f; }

static void test_refine_trainer(ddad_gpu_ctx *ctx)
{
    enum { K = 3, N = REFINE_TRAINER_BATCH, S = REFINE_TRAINER_SIZE, nimg = 30, steps = 4 };
    const size_t hw = (size_t)S * S;
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = 0};
    printf(" refiner trainer: FPI + %d members + maps + refiner step, batch %d\n", 2 * K, N);
    uint8_t *img = (uint8_t *)malloc(nimg * hw);
    for (size_t i = 0; i < nimg * hw; i++) img[i] = (uint8_t)ddad_rng_randint(&g_rng, 0, 256);
    ddad_fpi_patch patches[steps * N];
    memset(patches, 0, sizeof patches);
    for (int i = 0; i < steps * N; i++) {
        patches[i].self = ddad_rng_randint(&g_rng, 0, nimg);
        patches[i].src = (patches[i].self + 1) % nimg;
        if (i % 2 == 0) {   // at 64x64; scaled to S
            patches[i].y0 = (10 + i) * S / 64;
            patches[i].y1 = (30 + i) * S / 64;
            patches[i].x0 = (5 + 2 * i) * S / 64;
            patches[i].x1 = (25 + 2 * i) * S / 64;
            patches[i].alpha = 0.3f + 0.04f * (float)i;
        }
    }
    uint8_t *d_img = (uint8_t *)dev_alloc(nimg * hw);
    ddad_fpi_patch *d_patch = (ddad_fpi_patch *)dev_alloc(sizeof patches);
    DDAD_CHECK_CUDA(cudaMemcpy(d_img, img, nimg * hw, cudaMemcpyHostToDevice));
    DDAD_CHECK_CUDA(cudaMemcpy(d_patch, patches, sizeof patches, cudaMemcpyHostToDevice));
    dev_sync();

    // The CPU side: members in eval mode, refiner in train mode.
    ddad_ae *cm[6];
    ddad_ae_gpu *gm[6];
    for (int m = 0; m < 2 * K; m++) {
        cm[m] = ddad_ae_create(&shape, N, 0);
        ddad_ae_init(cm[m], 8, m < K ? DDAD_MOD_NDM : DDAD_MOD_UDM, m % K);
        gm[m] = ddad_ae_gpu_create(ctx, &shape, 3 * N, 0);   /* blocks of up to 3 steps */
        ddad_ae_gpu_upload(gm[m], ddad_ae_paramset(cm[m]));
    }
    ddad_refine *cr = ddad_refine_create(2, S, S, N, 1);
    ddad_refine_init(cr, 9);
    ddad_adam_cfg opt = ddad_adam_defaults(1e-4f, 1e-4f);

    float *x = host_zeros(N * hw), *outs = host_zeros(2 * K * N * hw), *in = host_zeros(2 * N * hw);
    uint8_t *t = (uint8_t *)calloc(N * hw, 1);
    for (int i = 0; i < N; i++) {
        const ddad_fpi_patch *pa = &patches[i];
        for (size_t p = 0; p < hw; p++) {
            int r = (int)(p / S), c = (int)(p % S);
            float v = pix(img[pa->self * hw + p]);
            if (r >= pa->y0 && r < pa->y1 && c >= pa->x0 && c < pa->x1) {
                v = (1.0f - pa->alpha) * v + pa->alpha * pix(img[pa->src * hw + p]);
                t[i * hw + p] = pa->alpha > 0.0f;
            }
            x[i * hw + p] = v;
        }
    }
    for (int m = 0; m < 2 * K; m++) ddad_ae_forward(cm[m], x, N, 0, outs + (size_t)m * N * hw);
    for (int i = 0; i < N; i++)
        for (size_t p = 0; p < hw; p++) {
            double sb = 0, sa = 0, ss = 0;
            for (int k = 0; k < K; k++) {
                sb += outs[((size_t)k * N + i) * hw + p];
                sa += outs[((size_t)(K + k) * N + i) * hw + p];
            }
            double mb = sb / K, ma = sa / K;
            for (int k = 0; k < K; k++) {
                double d = outs[((size_t)k * N + i) * hw + p] - mb;
                ss += d * d;
            }
            in[(size_t)i * 2 * hw + p] = (float)fabs(ma - mb);
            in[(size_t)i * 2 * hw + hw + p] = (float)sqrt(ss / (K - 1));
        }
    float loss = ddad_refine_forward_backward(cr, in, t, N, N, NULL);
    ddad_adam_step(ddad_refine_paramset(cr), &opt);

    ddad_refine *init = ddad_refine_create(2, S, S, 1, 1);
    ddad_refine_init(init, 9);
    /* k = 0: eager, per-step prep; 1: graphs, per-step prep; 2: graphs, blocks of 3 steps
     * (4 steps: a full block, then a partial one with a padded step); 3: as 2, stopped
     * after step 1 and resumed by a second trainer whose block grid starts a step early */
    ddad_refine_gpu *gr[4];
    float first = 0.0f;
    for (int k = 0; k < 4; k++) {
        gr[k] = ddad_refine_gpu_create(ctx, 2, S, S, N, 1);
        ddad_refine_gpu_upload(gr[k], ddad_refine_paramset(init));
        ddad_refine_gpu_trainer *tr = ddad_refine_gpu_trainer_create(gr[k], gm, K, 1, d_img, S, S, d_patch, steps, N,
                                                                     N, &opt, NULL, 1, k >= 1, k >= 2 ? 3 : 1, 0);
        ddad_refine_gpu_trainer_run(tr, 1);
        ddad_loss_reading rd;
        if (ddad_refine_gpu_trainer_poll(tr, 1, &rd) && k == 0) first = rd.loss;
        if (k == 0) {
            const ddad_paramset *L = ddad_refine_gpu_layout(gr[0]);
            ddad_refine *back = ddad_refine_create(2, S, S, 1, 1);
            ddad_refine_gpu_download(gr[0], ddad_refine_paramset(back));
            const ddad_paramset *bp = ddad_refine_paramset(back), *cp = ddad_refine_paramset(cr);
            double worst = 0.0;
            for (int i = 0; i < L->n_param_desc; i++) {
                const ddad_tensor_desc *d = &L->param_desc[i];
                double e = rel_err(bp->params + d->offset, cp->params + d->offset, d->count);
                if (!(e <= worst)) worst = e;
            }
            check_scalar("refiner step 1 loss vs CPU", first, loss, TOL_E2E);
            check_scalar("refiner params after step 1 vs CPU (worst tensor)", worst, 0.0, TOL_E2E);
            check_scalar("refiner running stats after step 1 vs CPU", rel_err(bp->buffers, cp->buffers, cp->n_buffers),
                         0.0, TOL_E2E);
            ddad_refine_free(back);
        }
        if (k == 3) {   /* the resume: steps 1..3 in slots 1, 2 of block 0 and slot 0 of block 1 */
            while (ddad_refine_gpu_trainer_poll(tr, 1, &rd)) {
            }
            ddad_refine_gpu_trainer_free(tr);
            tr = ddad_refine_gpu_trainer_create(gr[k], gm, K, 1, d_img, S, S, d_patch + N, steps - 1, N, N, &opt, NULL,
                                                1, 1, 3, 1);
        }
        ddad_refine_gpu_trainer_run(tr, steps - 1);
        while (ddad_refine_gpu_trainer_poll(tr, 1, &rd)) {
        }
        ddad_refine_gpu_trainer_free(tr);
    }
    const ddad_paramset *L = ddad_refine_gpu_layout(gr[0]);
    ddad_refine *b0 = ddad_refine_create(2, S, S, 1, 1), *b1 = ddad_refine_create(2, S, S, 1, 1),
                *b2 = ddad_refine_create(2, S, S, 1, 1), *b3 = ddad_refine_create(2, S, S, 1, 1);
    ddad_refine_gpu_download(gr[0], ddad_refine_paramset(b0));
    ddad_refine_gpu_download(gr[1], ddad_refine_paramset(b1));
    ddad_refine_gpu_download(gr[2], ddad_refine_paramset(b2));
    ddad_refine_gpu_download(gr[3], ddad_refine_paramset(b3));
    check_scalar("refiner graph vs eager params after 4 steps",
                 rel_err(ddad_refine_paramset(b1)->params, ddad_refine_paramset(b0)->params, L->n_params), 0.0, 1e-6);
    /* the members run at batch 12 instead of 4: cuDNN may round differently */
    check_scalar("refiner blocks of 3 steps vs per-step, 4 steps",
                 rel_err(ddad_refine_paramset(b2)->params, ddad_refine_paramset(b0)->params, L->n_params), 0.0, 1e-5);
    /* every step in the same slot of a block of the same size: the same members' outputs,
     * bit for bit where the refiner's convolutions use the same algorithms as trainer 2's
     * (always in the emulator; a GPU times each refiner's plans for itself) */
#ifdef DDAD_CUDA_EMU
    const double resume_tol = 0.0;
#else
    const double resume_tol = 1e-5;
#endif
    check_scalar("refiner resumed on the block grid vs not stopped",
                 rel_err(ddad_refine_paramset(b3)->params, ddad_refine_paramset(b2)->params, L->n_params) +
                     rel_err(ddad_refine_paramset(b3)->buffers, ddad_refine_paramset(b2)->buffers,
                             ddad_refine_paramset(b2)->n_buffers),
                 0.0, resume_tol);
    ddad_refine_free(b0);
    ddad_refine_free(b1);
    ddad_refine_free(b2);
    ddad_refine_free(b3);
    ddad_refine_free(init);
    for (int k = 0; k < 4; k++) ddad_refine_gpu_free(gr[k]);
    for (int m = 0; m < 2 * K; m++) {
        ddad_ae_gpu_free(gm[m]);
        ddad_ae_free(cm[m]);
    }
    ddad_refine_free(cr);
    DDAD_CHECK_CUDA(cudaFree(d_img));
    DDAD_CHECK_CUDA(cudaFree(d_patch));
    free(img), free(x), free(outs), free(in), free(t);
}

/* The member's parameters after its first epoch (one step) against the CPU member's step.
 * Adam's first step is lr * g / (|g| + eps) (g with weight decay), a step function of the
 * gradient's sign wherever |g| >> eps, so it turns a small difference of a gradient near
 * 0 into one of up to 2 lr; and the two paths' gradients differ by more than rounding
 * wherever a ReLU activation crossed its kink (see relu_kinks_crossed), by up to a whole
 * term of a sum on the few gradients that term reaches. So the check is the step of a
 * nearby gradient: each parameter should lie between the CPU's steps of g - d and g + d
 * (g: the CPU's gradient on the same batch, d: 1% of its tensor's rms), give or take
 * 1e-3 lr, and at most 0.1% of them may not (0.004% did not in the emulator). Wrong
 * wiring (another batch, step count or optimiser setting) misses that on most of the
 * parameters. The CPU member's own step must lie inside everywhere. */
static void check_first_step(ddad_ae *start, const float *x, int n, const ddad_adam_cfg *opt,
                             const ddad_paramset *want, const ddad_paramset *got)
{
    ddad_paramset *ps = ddad_ae_paramset(start);
    const size_t np = ps->n_params, bytes = np * sizeof(float);
    float *p0 = host_zeros(np), *g = host_zeros(np), *bound[2] = {host_zeros(np), host_zeros(np)};
    memcpy(p0, ps->params, bytes);
    ddad_ae_forward_backward(start, x, n);
    memcpy(g, ps->grads, bytes);
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < ps->n_param_desc; i++) {
            const ddad_tensor_desc *t = &ps->param_desc[i];
            double ss = 0.0;
            for (size_t j = 0; j < t->count; j++) ss += (double)g[t->offset + j] * g[t->offset + j];
            const float d = (float)(0.01 * sqrt(ss / (double)t->count)) * (side ? 1.0f : -1.0f);
            for (size_t j = 0; j < t->count; j++) ps->grads[t->offset + j] = g[t->offset + j] + d;
        }
        memcpy(ps->params, p0, bytes);
        memset(ps->adam_m, 0, bytes);
        memset(ps->adam_v, 0, bytes);
        ps->step = 0;
        ddad_adam_step(ps, opt);
        memcpy(bound[side], ps->params, bytes);
    }
    size_t outside[2] = {0, 0};
    const ddad_paramset *sets[2] = {want, got};
    const double slack = 1e-3 * opt->lr;
    for (int k = 0; k < 2; k++)
        for (size_t j = 0; j < np; j++) {
            const double lo = fmin(bound[0][j], bound[1][j]) - slack, hi = fmax(bound[0][j], bound[1][j]) + slack;
            const double v = sets[k]->params[j];
            outside[k] += !(v >= lo && v <= hi);
        }
    check_scalar("member epoch 1: CPU member's parameters outside", (double)outside[0], 0.0, 0.0);
    check_scalar("member epoch 1: GPU member's, fraction outside", (double)outside[1] / (double)np, 0.0, 1e-3);
    free(p0), free(g), free(bound[0]), free(bound[1]);
}

static void test_member(void)
{
    enum { N = MEMBER_BATCH, S = MEMBER_SIZE, E = 2 };
    const size_t hw = (size_t)S * S;
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = 1};
    printf(" ddad run's GPU member: one-step epochs against the CPU member\n");
    uint8_t *img = (uint8_t *)malloc((size_t)N * hw);
    for (size_t i = 0; i < (size_t)N * hw; i++) img[i] = (uint8_t)ddad_rng_randint(&g_rng, 0, 256);
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 1e-4f);
    ddad_ae *cpu = ddad_ae_create(&shape, N, 1), *host = ddad_ae_create(&shape, N, 1);
    ddad_ae_init(cpu, 9, DDAD_MOD_NDM, 2);
    ddad_ae_init(host, 9, DDAD_MOD_NDM, 2);
    /* the CPU path of the member stage, first epoch: one step of batch N */
    int64_t order[N];
    float *x = (float *)malloc(sizeof(float) * (size_t)N * hw);
    ddad_epoch_order(9, DDAD_MOD_NDM, 2, 0, N, order);
    ddad_gather_batch(img, hw, order, N, x);
    float cpu_loss = ddad_ae_train_step(cpu, x, N, &opt, NULL);
    ddad_member_gpu_spec spec = {.host = host, .images = img, .n = N, .batch = N, .seed = 9, .module = DDAD_MOD_NDM,
                                 .index = 2, .first_epoch = 0, .epochs = E, .opt = opt, .tf32 = 0};
    ddad_member_gpu *g = ddad_member_gpu_create(&spec);
    double seconds;
    double gpu_loss = ddad_member_gpu_epoch(g, &seconds);
    ddad_member_gpu_to_host(g);
    ddad_ae *start = ddad_ae_create(&shape, N, 1);
    ddad_ae_init(start, 9, DDAD_MOD_NDM, 2);
    const ddad_paramset *want = ddad_ae_paramset(cpu), *got = ddad_ae_paramset(host);
    check_first_step(start, x, N, &opt, want, got);
    ddad_ae_free(start);
    check_scalar("member epoch-1 loss", gpu_loss, cpu_loss, 1e-5);
    check_scalar("member Adam step count", (double)got->step, (double)want->step, 0.0);
    gpu_loss = ddad_member_gpu_epoch(g, &seconds);   /* the second (last) epoch of the schedule */
    check_scalar("member epoch-2 loss is finite", isfinite(gpu_loss) ? 1.0 : 0.0, 1.0, 0.0);
    ddad_member_gpu_free(g);
    ddad_ae_free(cpu);
    ddad_ae_free(host);
    free(img), free(x);
}

int main(void)
{
    if (gpu_test_skip("test_gpu_models")) return DDAD_TEST_SKIP;
    ddad_gpu_ctx *ctx = test_ctx_create(DDAD_PREC_FP32);
    test_ae(ctx, 0);
    test_ae(ctx, 1);
    test_refine(ctx);
    test_trainer(ctx);
    test_refine_trainer(ctx);
    test_ctx_free(ctx);
    test_member();
    return gpu_test_finish("test_gpu_models");
}

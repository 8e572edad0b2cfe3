/* GPU layers against the CPU reference (src/nn) on random inputs, fp32 and tf32:
 * Conv2d, ConvTranspose2d, Linear, BatchNorm (1d/2d, train/eval, fused ReLU, in-place
 * backward), ReLU, channel softmax. Every GPU output starts as NaN. In the CPU emulator
 * (gpu.emu_layers), fp32 only, and the convolutions on the GEMM engine. */
#include "gpu_test.h"

#include "cuda/activation_gpu.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/conv2d_gpu.h"
#include "cuda/conv_transpose2d_gpu.h"
#include "cuda/gpu_ctx.h"
#include "cuda/linear_gpu.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/linear.h"
#include "nn/relu.h"
#include "nn/softmax.h"

static void test_conv(ddad_gpu_ctx *ctx, double tol, int n, int c, int h, int k, int ks, int st, int pad, int bias)
{
    ddad_conv_shape s = ddad_conv_shape_make(n, c, h, h, k, ks, st, pad);
    size_t nx = (size_t)n * c * h * h, nw = (size_t)k * c * ks * ks, ny = (size_t)n * k * s.oh * s.ow;
    float *x = host_rand(nx, -1, 1), *w = host_rand(nw, -0.3f, 0.3f), *b = host_rand(k, -0.5f, 0.5f);
    float *dy = host_rand(ny, -1, 1), *y = host_zeros(ny), *dx = host_zeros(nx), *dw = host_zeros(nw),
          *db = host_zeros(k);
    float *ws = host_zeros(ddad_conv_workspace_floats(&s));
    ddad_conv2d_forward(&s, n, x, w, bias ? b : NULL, y, ws);
    ddad_conv2d_backward(&s, n, x, w, dy, dx, dw, bias ? db : NULL, ws);
    float *d_x = dev_upload(x, nx), *d_w = dev_upload(w, nw), *d_b = dev_upload(b, k), *d_dy = dev_upload(dy, ny);
    float *d_y = dev_poisoned(ny), *d_dx = dev_poisoned(nx), *d_dw = dev_poisoned(nw), *d_db = dev_poisoned(k);
    ddad_conv2d_forward_gpu(ctx, &s, n, d_x, d_w, bias ? d_b : NULL, d_y);
    ddad_conv2d_backward_gpu(ctx, &s, n, d_x, d_w, d_dy, d_dx, d_dw, bias ? d_db : NULL);
    char what[128], algos[128];
    ddad_conv_gpu_algorithms(ctx, &s, n, algos, sizeof algos);
    printf(" conv2d n%d c%d %dx%d -> k%d k%d s%d p%d%s [%s]\n", n, c, h, h, k, ks, st, pad, bias ? " bias" : "", algos);
    snprintf(what, sizeof what, "conv2d y");
    check_dev(what, d_y, y, ny, tol);
    check_dev("conv2d dx", d_dx, dx, nx, tol);
    check_dev("conv2d dw", d_dw, dw, nw, tol);
    if (bias) check_dev("conv2d db", d_db, db, k, tol);
    void *dev[] = {d_x, d_w, d_b, d_dy, d_y, d_dx, d_dw, d_db};
    for (int i = 0; i < 8; i++) dev_free(dev[i]);
    free(x), free(w), free(b), free(dy), free(y), free(dx), free(dw), free(db), free(ws);
}

static void test_convt(ddad_gpu_ctx *ctx, double tol, int n, int cin, int hin, int cout)
{
    ddad_conv_shape s = ddad_convt_shape_make(n, cin, hin, hin, cout, 4, 2, 1);
    size_t nx = (size_t)n * cin * hin * hin, ny = (size_t)n * cout * s.h * s.w, nw = (size_t)cin * cout * 16;
    float *x = host_rand(nx, -1, 1), *w = host_rand(nw, -0.3f, 0.3f), *dy = host_rand(ny, -1, 1);
    float *y = host_zeros(ny), *dx = host_zeros(nx), *dw = host_zeros(nw);
    float *ws = host_zeros(ddad_conv_workspace_floats(&s));
    ddad_convt_forward(&s, n, x, w, y, ws);
    ddad_convt_backward(&s, n, x, w, dy, dx, dw, ws);
    float *d_x = dev_upload(x, nx), *d_w = dev_upload(w, nw), *d_dy = dev_upload(dy, ny);
    float *d_y = dev_poisoned(ny), *d_dx = dev_poisoned(nx), *d_dw = dev_poisoned(nw);
    ddad_convt_forward_gpu(ctx, &s, n, d_x, d_w, d_y);
    ddad_convt_backward_gpu(ctx, &s, n, d_x, d_w, d_dy, d_dx, d_dw);
    printf(" conv_transpose2d n%d cin%d %dx%d -> cout%d %dx%d\n", n, cin, hin, hin, cout, s.h, s.w);
    check_dev("convt y", d_y, y, ny, tol);
    check_dev("convt dx", d_dx, dx, nx, tol);
    check_dev("convt dw", d_dw, dw, nw, tol);
    void *dev[] = {d_x, d_w, d_dy, d_y, d_dx, d_dw};
    for (int i = 0; i < 6; i++) dev_free(dev[i]);
    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(ws);
}

static void test_linear(ddad_gpu_ctx *ctx, double tol, int n, int in, int out)
{
    size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    float *x = host_rand(nx, -1, 1), *w = host_rand(nw, -0.1f, 0.1f), *b = host_rand(out, -0.5f, 0.5f);
    float *dy = host_rand(ny, -1, 1), *y = host_zeros(ny), *dx = host_zeros(nx), *dw = host_zeros(nw),
          *db = host_zeros(out);
    ddad_linear_forward(n, in, out, x, w, b, y);
    ddad_linear_backward(n, in, out, x, w, dy, dx, dw, db);
    float *d_x = dev_upload(x, nx), *d_w = dev_upload(w, nw), *d_b = dev_upload(b, out), *d_dy = dev_upload(dy, ny);
    float *d_y = dev_poisoned(ny), *d_dx = dev_poisoned(nx), *d_dw = dev_poisoned(nw), *d_db = dev_poisoned(out);
    ddad_linear_forward_gpu(ctx, n, in, out, d_x, d_w, d_b, d_y);
    ddad_linear_backward_gpu(ctx, n, in, out, d_x, d_w, d_dy, d_dx, d_dw, d_db);
    printf(" linear n%d %d -> %d\n", n, in, out);
    check_dev("linear y", d_y, y, ny, tol);
    check_dev("linear dx", d_dx, dx, nx, tol);
    check_dev("linear dw", d_dw, dw, nw, tol);
    check_dev("linear db", d_db, db, out, tol);
    void *dev[] = {d_x, d_w, d_b, d_dy, d_y, d_dx, d_dw, d_db};
    for (int i = 0; i < 8; i++) dev_free(dev[i]);
    free(x), free(w), free(b), free(dy), free(y), free(dx), free(dw), free(db);
}

/* The per-channel sums both paths take in double, against the CPU's: the CPU rounds each
 * sample's forward sums to 36 bits (nn/sum_grain.h, 2^-37 relative) and adds the backward
 * sums in float lanes (flushed into double every 256 elements), so the bound is what
 * those roundings allow (measured 2-3e-12 forward, 8e-8 to 1e-7 backward). */
static void check_stats(const char *what, const double *d_stats, const double *want, int n, double tol)
{
    double got[2 * 2048];
    dev_sync();   /* the context streams do not order the default one */
    dev_copy_out(got, d_stats, sizeof(double) * n);
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    double e = den > 0 ? sqrt(num / den) : sqrt(num);
    g_checks++;
    int ok = isfinite(e) && e <= tol;
    if (!ok) g_failures++;
    printf("  %-44s rel err %.3e (tol %.0e) %s\n", what, e, tol, ok ? "ok" : "FAIL");
}

static void test_bn(ddad_gpu_ctx *ctx, double tol, int n, int c, int hw, int relu)
{
    ddad_bn_shape s = {n, c, hw};
    size_t nx = (size_t)n * c * hw;
    float *x = host_rand(nx, -2, 3), *gamma = host_rand(c, 0.5f, 1.5f), *beta = host_rand(c, -0.5f, 0.5f);
    float *rm = host_rand(c, -0.2f, 0.2f), *rv = host_rand(c, 0.5f, 2.0f), *dy = host_rand(nx, -1, 1);
    float *rm0 = host_zeros(c), *rv0 = host_zeros(c);
    memcpy(rm0, rm, c * sizeof(float));
    memcpy(rv0, rv, c * sizeof(float));
    float *y = host_zeros(nx), *sm = host_zeros(c), *si = host_zeros(c), *dx = host_zeros(nx), *dg = host_zeros(c),
          *dbt = host_zeros(c), *ye = host_zeros(nx);
    double *stats = (double *)calloc(2 * (size_t)c, sizeof(double)), *bstats = (double *)calloc(2 * (size_t)c, sizeof(double));
    ddad_bn_forward_train(&s, x, gamma, beta, relu, y, rm, rv, sm, si, stats, (double)n * hw, NULL);
    ddad_bn_backward(&s, x, relu ? y : NULL, dy, gamma, sm, si, dx, dg, dbt, bstats, (double)n * hw, NULL);
    ddad_bn_forward_eval(&s, x, gamma, beta, relu, rm, rv, ye);

    float *d_x = dev_upload(x, nx), *d_g = dev_upload(gamma, c), *d_b = dev_upload(beta, c);
    float *d_rm = dev_upload(rm0, c), *d_rv = dev_upload(rv0, c), *d_dy = dev_upload(dy, nx);
    float *d_y = dev_poisoned(nx), *d_sm = dev_poisoned(c), *d_si = dev_poisoned(c), *d_dg = dev_poisoned(c),
          *d_dbt = dev_poisoned(c), *d_ye = dev_poisoned(nx);
    double *d_stats = (double *)dev_alloc(sizeof(double) * 2 * c);
    dev_fill(d_stats, 0xFF, sizeof(double) * 2 * c);
    dev_sync();
    printf(" batchnorm n%d c%d hw%d relu%d\n", n, c, hw, relu);
    ddad_bn_forward_train_gpu(ctx, &s, d_x, d_g, d_b, relu, d_y, d_rm, d_rv, d_sm, d_si, d_stats, (double)n * hw, NULL);
    check_dev("bn train y", d_y, y, nx, tol);
    check_dev("bn running_mean", d_rm, rm, c, tol);
    check_dev("bn running_var", d_rv, rv, c, tol);
    check_dev("bn save_mean", d_sm, sm, c, tol);
    check_dev("bn save_invstd", d_si, si, c, tol);
    check_stats("bn forward sums (double)", d_stats, stats, 2 * c, 1e-10);
    // Backward in place (dx aliases dy), as the networks call it.
    ddad_bn_backward_gpu(ctx, &s, d_x, relu ? d_y : NULL, d_dy, d_g, d_sm, d_si, d_dy, d_dg, d_dbt, d_stats,
                         (double)n * hw, NULL);
    check_dev("bn dx (in place)", d_dy, dx, nx, tol);
    check_dev("bn dgamma", d_dg, dg, c, tol);
    check_dev("bn dbeta", d_dbt, dbt, c, tol);
    check_stats("bn backward sums (double)", d_stats, bstats, 2 * c, 1e-6);
    ddad_bn_forward_eval_gpu(ctx, &s, d_x, d_g, d_b, relu, d_rm, d_rv, d_ye);
    check_dev("bn eval y", d_ye, ye, nx, tol);
    void *dev[] = {d_x, d_g, d_b, d_rm, d_rv, d_dy, d_y, d_sm, d_si, d_dg, d_dbt, d_ye, d_stats};
    for (int i = 0; i < 13; i++) dev_free(dev[i]);
    free(x), free(gamma), free(beta), free(rm), free(rv), free(rm0), free(rv0), free(dy), free(y), free(sm), free(si);
    free(dx), free(dg), free(dbt), free(ye), free(stats), free(bstats);
}

/* Random values whose sums in double depend on their order: mostly O(1), every 5th O(1e7),
 * every 7th O(1e-7), so that a kernel summing in another order gives other bits. */
static float *host_rand_wide(size_t n)
{
    float *p = host_rand(n, -1, 1);
    for (size_t i = 0; i < n; i++) p[i] *= i % 5 == 0 ? 1.37e7f : i % 7 == 0 ? 3.1e-7f : 1.0f;
    return p;
}

/* One forward (train), backward (in place) and eval pass of BatchNorm on the device; every
 * result, downloaded in one host buffer: y, running mean and var, saved mean and invstd,
 * forward sums, dx, dgamma, dbeta, backward sums, eval y. */
static unsigned char *bn_pass(ddad_gpu_ctx *ctx, const ddad_bn_shape *s, int relu, const float *x, const float *gamma,
                              const float *beta, const float *rm, const float *rv, const float *dy,
                              const ddad_gpu_reducer *red, size_t *bytes)
{
    const size_t nx = (size_t)s->n * s->c * s->hw, c = (size_t)s->c;
    const size_t fl[11] = {nx, c, c, c, c, 0, nx, c, c, 0, nx}, db[11] = {0, 0, 0, 0, 0, 2 * c, 0, 0, 0, 2 * c, 0};
    float *d_x = dev_upload(x, nx), *d_g = dev_upload(gamma, c), *d_b = dev_upload(beta, c);
    float *d_rm = dev_upload(rm, c), *d_rv = dev_upload(rv, c), *d_dy = dev_upload(dy, nx);
    float *d_y = dev_poisoned(nx), *d_sm = dev_poisoned(c), *d_si = dev_poisoned(c), *d_dg = dev_poisoned(c),
          *d_dbt = dev_poisoned(c), *d_ye = dev_poisoned(nx);
    double *d_fs = (double *)dev_alloc(sizeof(double) * 2 * c), *d_bs = (double *)dev_alloc(sizeof(double) * 2 * c);
    const double count = (double)s->n * s->hw;
    ddad_bn_forward_train_gpu(ctx, s, d_x, d_g, d_b, relu, d_y, d_rm, d_rv, d_sm, d_si, d_fs, count, red);
    ddad_bn_backward_gpu(ctx, s, d_x, relu ? d_y : NULL, d_dy, d_g, d_sm, d_si, d_dy, d_dg, d_dbt, d_bs, count, red);
    ddad_bn_forward_eval_gpu(ctx, s, d_x, d_g, d_b, relu, d_rm, d_rv, d_ye);
    const void *src[11] = {d_y, d_rm, d_rv, d_sm, d_si, d_fs, d_dy, d_dg, d_dbt, d_bs, d_ye};
    *bytes = 0;
    for (int i = 0; i < 11; i++) *bytes += fl[i] * sizeof(float) + db[i] * sizeof(double);
    unsigned char *out = (unsigned char *)malloc(*bytes), *at = out;
    if (!out) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    for (int i = 0; i < 11; i++) {
        size_t b = fl[i] * sizeof(float) + db[i] * sizeof(double);
        dev_copy_out(at, src[i], b);
        at += b;
    }
    void *dev[] = {d_x, d_g, d_b, d_rm, d_rv, d_dy, d_y, d_sm, d_si, d_dg, d_dbt, d_ye, d_fs, d_bs};
    for (int i = 0; i < 14; i++) dev_free(dev[i]);
    return out;
}

/* Every BatchNorm kernel with 32-bit index arithmetic (what real shapes use) against its
 * 64-bit instantiation (tensors past 2^31 elements): the same elements in the same order,
 * so the same bits. */
static void test_bn_index_width(ddad_gpu_ctx *ctx, int n, int c, int hw, int relu)
{
    ddad_bn_shape s = {n, c, hw};
    size_t nx = (size_t)n * c * hw, b32, b64;
    float *x = host_rand_wide(nx), *gamma = host_rand(c, 0.5f, 1.5f), *beta = host_rand(c, -0.5f, 0.5f);
    float *rm = host_rand(c, -0.2f, 0.2f), *rv = host_rand(c, 0.5f, 2.0f), *dy = host_rand_wide(nx);
    printf(" batchnorm n%d c%d hw%d relu%d: 32-bit against 64-bit index arithmetic\n", n, c, hw, relu);
    unsigned char *r32 = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, NULL, &b32);
    ddad_bn_gpu_force_wide_index(1);
    unsigned char *r64 = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, NULL, &b64);
    ddad_bn_gpu_force_wide_index(0);
    int same = b32 == b64 && memcmp(r32, r64, b32) == 0;
    check_scalar("bn: every output bit for bit (1 = equal)", same, 1.0, 0.0);
    free(r32), free(r64), free(x), free(gamma), free(beta), free(rm), free(rv), free(dy);
}

/* A reducer for one rank: the sums stay as they are, but BatchNorm takes its three-launch
 * path (partials, in-order sum, parameters), the one synchronised BatchNorm uses. */
static void one_rank_reduce(double *dev_buf, int n, cudaStream_t stream, void *c) {}

/* The one-launch statistics (no reducer) against the three-launch path, every output bit
 * for bit: the same sums in the same order. */
static void test_bn_fused(ddad_gpu_ctx *ctx, int n, int c, int hw, int relu)
{
    ddad_bn_shape s = {n, c, hw};
    size_t nx = (size_t)n * c * hw, b1, b3;
    float *x = host_rand_wide(nx), *gamma = host_rand(c, 0.5f, 1.5f), *beta = host_rand(c, -0.5f, 0.5f);
    float *rm = host_rand(c, -0.2f, 0.2f), *rv = host_rand(c, 0.5f, 2.0f), *dy = host_rand_wide(nx);
    const ddad_gpu_reducer one_rank = {one_rank_reduce, NULL};
    printf(" batchnorm n%d c%d hw%d relu%d: statistics in one launch against three\n", n, c, hw, relu);
#ifdef DDAD_CUDA_EMU
    unsigned long long l0 = ddad_emu_launches();
#endif
    unsigned char *r1 = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, NULL, &b1);
#ifdef DDAD_CUDA_EMU
    unsigned long long l1 = ddad_emu_launches();
#endif
    unsigned char *r3 = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, &one_rank, &b3);
#ifdef DDAD_CUDA_EMU
    /* train forward 2 launches (statistics, apply) against 4, backward 2 against 3, eval 2
     * either way: the paths differ by 3 */
    unsigned long long l3 = ddad_emu_launches();
    check_scalar("bn: launches of the three-launch pass minus the one-launch pass", (double)((l3 - l1) - (l1 - l0)),
                 3.0, 0.0);
#endif
    check_scalar("bn: every output bit for bit (1 = equal)", b1 == b3 && memcmp(r1, r3, b1) == 0, 1.0, 0.0);
    /* twice more through the same tickets: each launch must leave them at zero */
    unsigned char *again = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, NULL, &b1);
    free(again);
    again = bn_pass(ctx, &s, relu, x, gamma, beta, rm, rv, dy, NULL, &b1);
    check_scalar("bn: a third one-launch pass, bit for bit (1 = equal)", memcmp(r1, again, b1) == 0, 1.0, 0.0);
    free(r1), free(r3), free(again), free(x), free(gamma), free(beta), free(rm), free(rv), free(dy);
}

static void test_relu_softmax(ddad_gpu_ctx *ctx, double tol)
{
    const int n = 4, c = 2, hw = 4096;
    const size_t cnt = (size_t)n * c * hw;
    float *x = host_rand(cnt, -3, 3), *dy = host_rand(cnt, -1, 1), *y = host_zeros(cnt), *dx = host_zeros(cnt);
    float *d_x = dev_upload(x, cnt), *d_dy = dev_upload(dy, cnt), *d_y = dev_poisoned(cnt), *d_dx = dev_poisoned(cnt);
    printf(" relu and softmax, %zu elements\n", cnt);
    ddad_relu_forward(cnt, x, y);
    ddad_relu_backward(cnt, y, dy, dx);
    ddad_relu_forward_gpu(ctx, cnt, d_x, d_y);
    ddad_relu_backward_gpu(ctx, cnt, d_y, d_dy, d_dx);
    check_dev("relu y", d_y, y, cnt, tol);
    check_dev("relu dx", d_dx, dx, cnt, tol);
    ddad_softmax_channels_forward(n, c, hw, x, y);
    ddad_softmax_channels_backward(n, c, hw, y, dy, dx);
    dev_poison(d_y, cnt);
    dev_poison(d_dx, cnt);
    ddad_softmax_channels_forward_gpu(ctx, n, c, hw, d_x, d_y);
    ddad_softmax_channels_backward_gpu(ctx, n, c, hw, d_y, d_dy, d_dx);
    check_dev("softmax y", d_y, y, cnt, tol);
    check_dev("softmax dx", d_dx, dx, cnt, tol);
    void *dev[] = {d_x, d_dy, d_y, d_dx};
    for (int i = 0; i < 4; i++) dev_free(dev[i]);
    free(x), free(dy), free(y), free(dx);
}

int main(void)
{
    if (gpu_test_skip("test_gpu_layers")) return DDAD_TEST_SKIP;
    ddad_gpu_ctx *ctx = test_ctx_create(DDAD_PREC_FP32);
    for (int prec = 0; prec < 2; prec++) {
        double tol = prec ? TOL_TF32 : TOL_FP32;
        test_ctx_set_precision(ctx, prec ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
#ifdef DDAD_CUDA_EMU
        if (prec) break;   // the emulator's GEMM has one precision
#endif
        printf("precision %s\n", prec ? "tf32" : "fp32");
        test_conv(ctx, tol, 8, 1, 64, 16, 4, 2, 1, 0);     // AE encoder 0
        test_conv(ctx, tol, 8, 32, 16, 64, 4, 2, 1, 0);    // AE encoder 2
        test_conv(ctx, tol, 2, 2, 64, 128, 3, 1, 1, 1);    // refiner conv 0
        test_conv(ctx, tol, 2, 128, 32, 2, 3, 1, 1, 1);    // refiner conv 6
        test_convt(ctx, tol, 8, 64, 4, 64);                // AE decoder 0
        test_convt(ctx, tol, 8, 16, 32, 1);                // AE decoder 9
        test_convt(ctx, tol, 8, 16, 32, 2);                // AE-U decoder 9
        test_linear(ctx, tol, 16, 1024, 2048);             // linear_enc 0
        test_linear(ctx, tol, 16, 2048, 16);               // linear_enc 3
        test_linear(ctx, tol, 16, 16, 2048);               // linear_dec 0
    }
    test_ctx_set_precision(ctx, DDAD_PREC_FP32);
    test_bn(ctx, TOL_FP32, 16, 16, 1024, 1);
    test_bn(ctx, TOL_FP32, 8, 128, 4096, 0);
    test_bn(ctx, TOL_FP32, 16, 2048, 1, 1);                // BatchNorm1d
    test_bn_index_width(ctx, 16, 16, 1024, 1);
    test_bn_index_width(ctx, 7, 3, 1237, 0);   // 2 slices; the block's stride not a multiple of HW
    test_bn_index_width(ctx, 300, 2, 37, 1);   // HW below the block's stride: several samples a step
    test_bn_fused(ctx, 16, 16, 1024, 1);       // 4 slices a channel
    test_bn_fused(ctx, 8, 32, 16, 0);          // one slice a channel
    test_bn_fused(ctx, 16, 2048, 1, 1);        // BatchNorm1d
    test_relu_softmax(ctx, TOL_FP32);
    test_ctx_free(ctx);
    return gpu_test_finish("test_gpu_layers");
}

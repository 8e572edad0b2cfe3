/* GPU losses (MSE, AE-U, focal), fused Adam (weight decay, clipping, several steps, device
 * step counter), batch gather + normalisation, foreign patch interpolation, the slot copy
 * and the discrepancy maps, against CPU references. Every GPU output starts as NaN. */
#include "gpu_test.h"

#include "cuda/adam_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/gpu_ctx.h"
#include "cuda/loss_gpu.h"
#include "cuda/maps_gpu.h"
#include "model/adam.h"
#include "model/paramset.h"
#include "nn/loss.h"

static void test_losses(ddad_gpu_ctx *ctx)
{
    const int n = 8, hw = 4096;
    const size_t cnt = (size_t)n * hw;
    float *out2 = host_rand(2 * cnt, -1, 1), *x = host_rand(cnt, -1, 1), *g = host_zeros(2 * cnt);
    float *d_out = dev_upload(out2, 2 * cnt), *d_x = dev_upload(x, cnt), *d_g = dev_poisoned(2 * cnt);
    float *d_s = dev_poisoned(2);
    printf(" losses, %d x %d\n", n, hw);
    float l = ddad_mse_loss(cnt, out2, x, g);
    ddad_mse_loss_gpu(ctx, cnt, d_out, d_x, d_g, d_s);
    check_scalar("mse loss", dev_read_float(ctx, d_s), l, TOL_FP32);
    check_dev("mse grad", d_g, g, cnt, TOL_FP32);

    float rec = 0.0f;
    l = ddad_aeu_loss(n, hw, out2, x, g, &rec);
    dev_poison(d_g, 2 * cnt);
    dev_poison(d_s, 2);
    ddad_aeu_loss_gpu(ctx, n, hw, d_out, d_x, d_g, d_s, d_s + 1);
    check_scalar("AE-U loss", dev_read_float(ctx, d_s), l, TOL_FP32);
    check_scalar("AE-U rec err", dev_read_float(ctx, d_s + 1), rec, TOL_FP32);
    check_dev("AE-U grad", d_g, g, 2 * cnt, TOL_FP32);

    // Focal loss on softmax-like probabilities and random 0/1 targets, global norm 2x local.
    float *prob = host_zeros(2 * cnt);
    uint8_t *t = (uint8_t *)malloc(cnt);
    for (int i = 0; i < n; i++)
        for (int p = 0; p < hw; p++) {
            float q = ddad_rng_uniformf(&g_rng);
            prob[(size_t)i * 2 * hw + p] = 1.0f - q;
            prob[(size_t)i * 2 * hw + hw + p] = q;
            t[(size_t)i * hw + p] = ddad_rng_uniformf(&g_rng) < 0.3f;
        }
    const double norm = 2.0 * cnt;
    l = ddad_focal_loss(n, hw, prob, t, norm, g);
    float *d_p = dev_upload(prob, 2 * cnt);
    uint8_t *d_t = (uint8_t *)dev_alloc(cnt);
    dev_copy_in(d_t, t, cnt);
    dev_sync();
    dev_poison(d_g, 2 * cnt);
    dev_poison(d_s, 2);
    ddad_focal_loss_gpu(ctx, n, hw, d_p, d_t, norm, d_g, d_s);
    check_scalar("focal loss", dev_read_float(ctx, d_s), l, TOL_FP32);
    check_dev("focal grad", d_g, g, 2 * cnt, TOL_FP32);
    void *dev[] = {d_out, d_x, d_g, d_s, d_p, d_t};
    for (int i = 0; i < 6; i++) dev_free(dev[i]);
    free(out2), free(x), free(g), free(prob), free(t);
}

static void test_adam(ddad_gpu_ctx *ctx, float wd, float clip)
{
    const size_t n = 300001;   // not a multiple of any block size
    ddad_paramset ps;
    memset(&ps, 0, sizeof ps);
    ps.n_params = n;
    ps.params = host_rand(n, -1, 1);
    ps.grads = host_zeros(n);
    ps.adam_m = host_zeros(n);
    ps.adam_v = host_zeros(n);
    float *d_p = dev_upload(ps.params, n), *d_g = dev_poisoned(n), *d_m = dev_upload(ps.adam_m, n),
          *d_v = dev_upload(ps.adam_v, n);
    int64_t *d_step = (int64_t *)dev_alloc(sizeof(int64_t));
    dev_fill(d_step, 0, sizeof(int64_t));
    dev_sync();
    ddad_adam_cfg cfg = ddad_adam_defaults(1e-3f, wd);
    cfg.grad_clip = clip;
    printf(" adam n=%zu wd %g clip %g, 5 steps\n", n, wd, clip);
    for (int s = 0; s < 5; s++) {
        float *g = host_rand(n, -0.01f, 0.01f);
        memcpy(ps.grads, g, n * sizeof(float));
        dev_sync();   /* the previous step's kernels write d_g */
        dev_copy_in(d_g, g, n * sizeof(float));
        dev_sync();
        ddad_adam_step(&ps, &cfg);
        ddad_adam_step_gpu(ctx, n, d_p, d_g, d_m, d_v, d_step, &cfg);
        free(g);
    }
    check_dev("adam params", d_p, ps.params, n, TOL_FP32);
    check_dev("adam exp_avg", d_m, ps.adam_m, n, TOL_FP32);
    check_dev("adam exp_avg_sq", d_v, ps.adam_v, n, TOL_FP32);
    check_dev("adam grads (clipped in place)", d_g, ps.grads, n, TOL_FP32);
    int64_t step = 0;
    dev_sync();   /* the context streams do not order the default one */
    dev_copy_out(&step, d_step, sizeof step);
    check_scalar("adam device step counter", (double)step, (double)ps.step, 0.0);
    void *dev[] = {d_p, d_g, d_m, d_v, d_step};
    for (int i = 0; i < 5; i++) dev_free(dev[i]);
    free(ps.params), free(ps.grads), free(ps.adam_m), free(ps.adam_v);
}

static float pix(uint8_t p) { return ((float)p / 255.0f - 0.5f) / 0.5f; }

static void test_batches(ddad_gpu_ctx *ctx)
{
    const int nimg = 50, h = 64, w = 64, batch = 8, steps = 3;
    const size_t hw = (size_t)h * w;
    uint8_t *img = (uint8_t *)malloc(nimg * hw);
    for (size_t i = 0; i < nimg * hw; i++) img[i] = (uint8_t)ddad_rng_randint(&g_rng, 0, 256);
    int64_t order[3 * 8];
    ddad_fpi_patch patches[3 * 8];
    for (int i = 0; i < steps * batch; i++) {
        order[i] = ddad_rng_randint(&g_rng, 0, nimg);
        ddad_fpi_patch *p = &patches[i];
        memset(p, 0, sizeof *p);
        p->self = order[i];
        p->src = (order[i] + 1 + ddad_rng_randint(&g_rng, 0, nimg - 1)) % nimg;
        if (i % 3 != 2) {   // every third sample unpatched
            p->y0 = (int)ddad_rng_randint(&g_rng, 0, h / 2);
            p->y1 = p->y0 + (int)ddad_rng_randint(&g_rng, 1, h / 2);
            p->x0 = (int)ddad_rng_randint(&g_rng, 0, w / 2);
            p->x1 = p->x0 + (int)ddad_rng_randint(&g_rng, 1, w / 2);
            p->alpha = ddad_rng_uniformf(&g_rng);
        }
    }
    uint8_t *d_img = (uint8_t *)dev_alloc(nimg * hw);
    int64_t *d_order = (int64_t *)dev_alloc(sizeof order), *d_cur = (int64_t *)dev_alloc(sizeof(int64_t));
    ddad_fpi_patch *d_patch = (ddad_fpi_patch *)dev_alloc(sizeof patches);
    dev_copy_in(d_img, img, nimg * hw);
    dev_copy_in(d_order, order, sizeof order);
    dev_copy_in(d_patch, patches, sizeof patches);
    dev_fill(d_cur, 0, sizeof(int64_t));
    dev_sync();
    float *want = host_zeros(batch * hw), *d_x = dev_poisoned(batch * hw);
    uint8_t *tw = (uint8_t *)malloc(batch * hw), *tg = (uint8_t *)malloc(batch * hw), *d_t = (uint8_t *)dev_alloc(batch * hw);
    printf(" batch gather and FPI, %d steps of %d through the device cursor\n", steps, batch);
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < batch; i++)
            for (size_t p = 0; p < hw; p++) want[i * hw + p] = pix(img[order[s * batch + i] * hw + p]);
        dev_poison(d_x, batch * hw);
        ddad_gather_batch_gpu(ctx, d_img, hw, d_order, d_cur, batch, d_x);
        check_dev("gather + normalise (bitwise)", d_x, want, batch * hw, 0.0);
        // FPI with the same cursor: the CPU formula of data/fpi.c.
        for (int i = 0; i < batch; i++) {
            const ddad_fpi_patch *pa = &patches[s * batch + i];
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++) {
                    size_t p = (size_t)r * w + c;
                    float v = pix(img[pa->self * hw + p]);
                    uint8_t t = 0;
                    if (r >= pa->y0 && r < pa->y1 && c >= pa->x0 && c < pa->x1) {
                        v = (1.0f - pa->alpha) * v + pa->alpha * pix(img[pa->src * hw + p]);
                        t = pa->alpha > 0.0f;
                    }
                    want[i * hw + p] = v;
                    tw[i * hw + p] = t;
                }
        }
        dev_poison(d_x, batch * hw);
        dev_fill(d_t, 0xFF, batch * hw);
        dev_sync();
        ddad_fpi_apply_gpu(ctx, d_img, h, w, d_patch, d_cur, batch, d_x, d_t);
        check_dev("FPI images (bitwise)", d_x, want, batch * hw, 0.0);
        dev_sync();   /* the context streams do not order the default one */
        dev_copy_out(tg, d_t, batch * hw);
        check_scalar("FPI targets equal", (double)memcmp(tg, tw, batch * hw), 0.0, 0.0);
        ddad_cursor_advance_gpu(ctx, d_cur, steps);
    }
    int64_t cur = -1;
    dev_sync();   /* the context streams do not order the default one */
    dev_copy_out(&cur, d_cur, sizeof cur);
    check_scalar("cursor wrapped to 0", (double)cur, 0.0, 0.0);
    void *dev[] = {d_img, d_order, d_cur, d_patch, d_x, d_t};
    for (int i = 0; i < 6; i++) dev_free(dev[i]);
    free(img), free(want), free(tw), free(tg);
}

/* The slot copy through a device cursor (the refiner trainer's per-step read of its block):
 * each slot of a 3-slot buffer, bit for bit, and nothing written past the slot. */
static void test_copy_slot(ddad_gpu_ctx *ctx)
{
    const int slots = 3;
    const size_t n = 1000;
    printf(" slot copy through the device cursor, %d slots of %zu floats\n", slots, n);
    float *src = host_rand((size_t)slots * n, -1.0f, 1.0f);
    float *d_src = dev_upload(src, (size_t)slots * n);
    float *d_dst = dev_poisoned(n + 1);
    int64_t *d_cur = (int64_t *)dev_alloc(sizeof(int64_t));
    dev_fill(d_cur, 0, sizeof(int64_t));
    dev_sync();
    for (int k = 0; k < slots; k++) {
        dev_poison(d_dst, n + 1);
        ddad_copy_slot_gpu(ctx, d_src, n * sizeof(float), d_cur, d_dst);
        check_dev("slot copy (bitwise)", d_dst, src + (size_t)k * n, n, 0.0);
        float past = 0.0f;
        dev_sync();
        dev_copy_out(&past, d_dst + n, sizeof past);
        check_scalar("slot copy leaves the next element alone (NaN)", past != past ? 0.0 : 1.0, 0.0, 0.0);
        ddad_cursor_advance_gpu(ctx, d_cur, slots);
    }
    dev_free(d_src);
    dev_free(d_dst);
    dev_free(d_cur);
    free(src);
}

/* The maps of docs/METHOD.md in double: mu, unbiased std over K, AE-U scaling by v. */
static void maps_ref(const float *outs, int K, int C, int nb, size_t hw, const float *x, float *rec, float *intra,
                     float *inter)
{
    size_t ms = (size_t)nb * C * hw;
    for (int i = 0; i < nb; i++)
        for (size_t p = 0; p < hw; p++) {
            size_t at = (size_t)i * C * hw + p, o = (size_t)i * hw + p;
            double sb = 0, sa = 0, sv = 0;
            for (int k = 0; k < K; k++) {
                sb += outs[k * ms + at];
                sa += outs[(K + k) * ms + at];
                if (C == 2) sv += exp(outs[k * ms + at + hw]);
            }
            double mb = sb / K, ma = sa / K, v = C == 2 ? sv / K : 1.0, ss = 0;
            for (int k = 0; k < K; k++) ss += (outs[k * ms + at] - mb) * (outs[k * ms + at] - mb);
            rec[o] = (float)((x[o] - mb) * (x[o] - mb) / v);
            intra[o] = (float)sqrt(ss / (K - 1) / v);
            inter[o] = (float)sqrt((ma - mb) * (ma - mb) / v);
        }
}

static void test_maps(ddad_gpu_ctx *ctx, int C)
{
    const int K = 3, nb = 4;
    const size_t hw = 4096, no = (size_t)2 * K * nb * C * hw, nm = (size_t)nb * hw;
    float *outs = host_rand(no, -1, 1), *x = host_rand(nm, -1, 1);
    float *rec = host_zeros(nm), *intra = host_zeros(nm), *inter = host_zeros(nm), *in2 = host_zeros(2 * nm);
    maps_ref(outs, K, C, nb, hw, x, rec, intra, inter);
    float *d_o = dev_upload(outs, no), *d_x = dev_upload(x, nm);
    float *d_r = dev_poisoned(nm), *d_ia = dev_poisoned(nm), *d_ie = dev_poisoned(nm), *d_in = dev_poisoned(2 * nm);
    printf(" discrepancy maps K=%d C=%d\n", K, C);
    ddad_discrepancy_maps_gpu(ctx, d_o, K, C, nb, hw, d_x, d_r, d_ia, d_ie);
    check_dev("A_rec", d_r, rec, nm, TOL_FP32);
    check_dev("A_intra", d_ia, intra, nm, TOL_FP32);
    check_dev("A_inter", d_ie, inter, nm, TOL_FP32);
    for (int i = 0; i < nb; i++) {
        memcpy(in2 + (size_t)i * 2 * hw, inter + i * hw, hw * sizeof(float));
        memcpy(in2 + (size_t)i * 2 * hw + hw, intra + i * hw, hw * sizeof(float));
    }
    ddad_refine_input_gpu(ctx, d_o, K, C, nb, hw, 1, d_in);
    check_dev("refiner input [A_inter, A_intra]", d_in, in2, 2 * nm, TOL_FP32);
    void *dev[] = {d_o, d_x, d_r, d_ia, d_ie, d_in};
    for (int i = 0; i < 6; i++) dev_free(dev[i]);
    free(outs), free(x), free(rec), free(intra), free(inter), free(in2);
}

int main(void)
{
    if (gpu_test_skip("test_gpu_ops")) return DDAD_TEST_SKIP;
    ddad_gpu_ctx *ctx = test_ctx_create(DDAD_PREC_FP32);
    test_losses(ctx);
    test_adam(ctx, 0.0f, 0.0f);
    test_adam(ctx, 1e-4f, 0.0f);
    test_adam(ctx, 1e-4f, 0.05f);
    test_batches(ctx);
    test_copy_slot(ctx);
    test_maps(ctx, 1);
    test_maps(ctx, 2);
    test_ctx_free(ctx);
    return gpu_test_finish("test_gpu_ops");
}

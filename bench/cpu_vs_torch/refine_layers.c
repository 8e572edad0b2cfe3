/* Where a refiner training step's time goes: the layer calls of one step of the
 * `refine` workload in bench_nn.c (batch 8, 64x64, dual input, the 6 frozen AE forwards
 * per sample), each timed alone, averaged over STEPS steps after one warm-up step.
 * The calls and shapes are those of model/refine.c's forward_backward; the data is random
 * (speed does not depend on it). Adam and the discrepancy maps are left out (under 1 ms).
 * usage: bench_refine_layers [THREADS [STEPS]]   (OPENBLAS_NUM_THREADS=1 as run.sh sets) */
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/util.h"
#include "model/ae.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/loss.h"
#include "nn/softmax.h"
#include "nn/threads.h"

enum { N = 8, S = 64, MID = 128, HW = S * S, PARTS = 12 };

static float *random_floats(size_t n, float scale, uint64_t stream)
{
    float *p = ddad_malloc_aligned(sizeof(float) * n, "benchmark data");
    ddad_rng r;
    ddad_rng_init(&r, 1, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, stream);
    for (size_t i = 0; i < n; i++) p[i] = scale * (2.0f * ddad_rng_uniformf(&r) - 1.0f);
    return p;
}

int main(int argc, char **argv)
{
    ddad_nn_single_blas_pool(argv);
    ddad_nn_set_threads(argc > 1 ? atoi(argv[1]) : 2);
    const int steps = argc > 2 ? atoi(argv[2]) : 20;
    if (steps < 1) {
        fprintf(stderr, "usage: bench_refine_layers [THREADS [STEPS]] (STEPS >= 1)\n");
        return 2;
    }
    /* the refiner's three layers, one sample per GEMM as in training */
    const int cin[3] = {2, MID, MID}, cout[3] = {MID, MID, 2};
    ddad_conv_shape cs[3];
    float *w[3], *b[3];
    size_t ws_floats = 0;
    for (int i = 0; i < 3; i++) {
        cs[i] = ddad_conv_shape_make(N, cin[i], S, S, cout[i], 3, 1, 1);
        cs[i].chunk = 1;
        w[i] = random_floats((size_t)cin[i] * cout[i] * 9, 0.05f, (uint64_t)i);
        b[i] = random_floats((size_t)cout[i], 0.05f, 10 + (uint64_t)i);
        size_t f = ddad_conv_workspace_floats(&cs[i]);
        if (f > ws_floats) ws_floats = f;
    }
    float *ws = ddad_malloc_aligned(sizeof(float) * ws_floats, "workspace");
    const size_t mid = (size_t)N * MID * HW;
    float *in = random_floats((size_t)N * 2 * HW, 1.0f, 20), *x = random_floats((size_t)N * HW, 1.0f, 21);
    float *z0 = random_floats(mid, 0, 0), *a0 = random_floats(mid, 0, 0), *z1 = random_floats(mid, 0, 0);
    float *a1 = random_floats(mid, 0, 0), *g0 = random_floats(mid, 0, 0), *g1 = random_floats(mid, 0, 0);
    float *logits = random_floats((size_t)N * 2 * HW, 0, 0), *prob = random_floats((size_t)N * 2 * HW, 0, 0);
    float *outs = random_floats((size_t)6 * N * HW, 0, 0), *dw_tmp = random_floats((size_t)MID * MID * 9, 0, 0);
    float gamma[MID], beta[MID], rmean[MID], rvar[MID], smean[2][MID], sinv[2][MID];
    for (int c = 0; c < MID; c++) gamma[c] = 1.0f, beta[c] = 0.0f, rmean[c] = 0.0f, rvar[c] = 1.0f;
    double *stats = ddad_malloc(sizeof(double) * 2 * MID, "stats");
    double *dw_sum = ddad_malloc(sizeof(double) * MID * MID * 9, "sums"), *db_sum = ddad_malloc(sizeof(double) * MID, "sums");
    double *dg_sum = ddad_malloc(sizeof(double) * MID, "sums"), *dbeta_sum = ddad_malloc(sizeof(double) * MID, "sums");
    uint8_t *target = ddad_malloc((size_t)N * HW, "target");
    for (int i = 0; i < N * HW; i++) target[i] = (uint8_t)(i % 7 == 0);
    ddad_ae_shape shape = {.img_size = S, .mp = 1, .ls = 16, .unc = 0};
    ddad_ae *members[6];
    for (int m = 0; m < 6; m++) {
        members[m] = ddad_ae_create(&shape, N, 0);
        ddad_ae_init(members[m], 1, m < 3 ? DDAD_MOD_UDM : DDAD_MOD_NDM, (uint32_t)(m % 3));
    }
    const ddad_bn_shape bs = {N, MID, HW};
    const double count = (double)N * HW;
    static const char *names[PARTS] = {"6 frozen AE forwards", "conv 2->128 forward", "BatchNorm 1 forward",
                                       "conv 128->128 forward", "BatchNorm 2 forward", "conv 128->2 forward",
                                       "softmax + focal loss", "conv 128->2 backward", "BatchNorm 2 backward",
                                       "conv 128->128 backward", "BatchNorm 1 backward", "conv 2->128 backward"};
    double total[PARTS] = {0};
    for (int step = 0; step <= steps; step++) {
        double t[PARTS + 1];
        int k = 0;
        t[k++] = ddad_now();
        for (int m = 0; m < 6; m++) ddad_ae_forward_per_sample(members[m], x, N, outs + (size_t)m * N * HW);
        t[k++] = ddad_now();
        ddad_conv2d_forward(&cs[0], N, in, w[0], b[0], z0, ws);
        t[k++] = ddad_now();
        ddad_bn_forward_train(&bs, z0, gamma, beta, 1, a0, rmean, rvar, smean[0], sinv[0], stats, count, NULL);
        t[k++] = ddad_now();
        ddad_conv2d_forward(&cs[1], N, a0, w[1], b[1], z1, ws);
        t[k++] = ddad_now();
        ddad_bn_forward_train(&bs, z1, gamma, beta, 1, a1, rmean, rvar, smean[1], sinv[1], stats, count, NULL);
        t[k++] = ddad_now();
        ddad_conv2d_forward(&cs[2], N, a1, w[2], b[2], logits, ws);
        t[k++] = ddad_now();
        ddad_softmax_channels_forward(N, 2, HW, logits, prob);
        ddad_focal_loss(N, HW, prob, target, count, g0);
        ddad_softmax_channels_backward(N, 2, HW, prob, g0, g0);
        t[k++] = ddad_now();
        ddad_conv2d_backward_acc(&cs[2], N, a1, w[2], g0, g1, dw_sum, db_sum, dw_tmp, ws);
        t[k++] = ddad_now();
        ddad_bn_backward_acc(&bs, z1, a1, g1, gamma, smean[1], sinv[1], g1, dg_sum, dbeta_sum, stats, count, NULL);
        t[k++] = ddad_now();
        ddad_conv2d_backward_acc(&cs[1], N, a0, w[1], g1, g0, dw_sum, NULL, dw_tmp, ws);
        t[k++] = ddad_now();
        ddad_bn_backward_acc(&bs, z0, a0, g0, gamma, smean[0], sinv[0], g0, dg_sum, dbeta_sum, stats, count, NULL);
        t[k++] = ddad_now();
        ddad_conv2d_backward_acc(&cs[0], N, in, w[0], g0, NULL, dw_sum, NULL, dw_tmp, ws);
        t[k++] = ddad_now();
        if (step > 0)   /* the first step warms up */
            for (int i = 0; i < PARTS; i++) total[i] += t[i + 1] - t[i];
    }
    double sum = 0.0;
    for (int i = 0; i < PARTS; i++) {
        printf("%-24s %8.2f ms\n", names[i], 1e3 * total[i] / steps);
        sum += total[i];
    }
    printf("%-24s %8.2f ms\n", "all", 1e3 * sum / steps);
    return 0;
}

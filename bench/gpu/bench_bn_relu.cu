// Kernel lab: BatchNorm (train) + ReLU fused in one elementwise pass, against BatchNorm
// followed by a separate ReLU kernel. Both are validated against the CPU reference
// (nn/batchnorm.h with relu = 1) and timed on the AE's and the refiner's shapes.
// Prediction: the separate version reads and writes the activation once more (2 extra
// passes over n*c*hw floats), so the fused one should win by about that traffic.
#include <math.h>

#include "bench_common.h"
#include "cuda/activation_gpu.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/gpu_ctx.h"

extern "C" {
#include "nn/batchnorm.h"
}

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_bn_shape s;
    float *x, *g, *b, *rm, *rv, *sm, *si, *y, *tmp;
    double *stats;
    int fused;
} arg_t;

static void run(void *p)
{
    arg_t *a = (arg_t *)p;
    if (a->fused) {
        ddad_bn_forward_train_gpu(a->ctx, &a->s, a->x, a->g, a->b, 1, a->y, a->rm, a->rv, a->sm, a->si, a->stats,
                                  (double)a->s.n * a->s.hw, NULL);
    } else {
        ddad_bn_forward_train_gpu(a->ctx, &a->s, a->x, a->g, a->b, 0, a->tmp, a->rm, a->rv, a->sm, a->si, a->stats,
                                  (double)a->s.n * a->s.hw, NULL);
        ddad_relu_forward_gpu(a->ctx, (size_t)a->s.n * a->s.c * a->s.hw, a->tmp, a->y);
    }
}

int main(void)
{
    if (bench_skip("bench_bn_relu")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 5, 0, 0, DDAD_RNG_TEST, 0);
    const ddad_bn_shape shapes[] = {{64, 16, 32 * 32}, {64, 64, 8 * 8}, {64, 2048, 1}, {8, 128, 64 * 64}};
    const char *names[] = {"ae_enc0", "ae_enc2", "ae_bn1d", "refiner"};
    int bad = 0;
    for (int k = 0; k < 4; k++) {
        const ddad_bn_shape s = shapes[k];
        const size_t n = (size_t)s.n * s.c * s.hw;
        float *hx = (float *)malloc(n * sizeof(float)), *hy = (float *)malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 2.0f;
        float *hg = (float *)malloc(s.c * sizeof(float)), *hb = (float *)malloc(s.c * sizeof(float));
        float *hrm = (float *)calloc(s.c, sizeof(float)), *hrv = (float *)malloc(s.c * sizeof(float));
        float *hsm = (float *)malloc(s.c * sizeof(float)), *hsi = (float *)malloc(s.c * sizeof(float));
        double *hst = (double *)malloc(2 * s.c * sizeof(double));
        for (int c = 0; c < s.c; c++) {
            hg[c] = 0.5f + ddad_rng_uniformf(&rng);
            hb[c] = ddad_rng_uniformf(&rng) - 0.5f;
            hrv[c] = 1.0f;
        }
        ddad_bn_forward_train(&s, hx, hg, hb, 1, hy, hrm, hrv, hsm, hsi, hst, (double)s.n * s.hw, NULL);
        for (int fused = 1; fused >= 0; fused--) {
            arg_t a;
            a.ctx = ctx;
            a.s = s;
            a.fused = fused;
            a.x = (float *)ddad_gpu_malloc(n * 4, "x");
            a.y = (float *)ddad_gpu_malloc(n * 4, "y");
            a.tmp = (float *)ddad_gpu_malloc(n * 4, "tmp");
            a.g = (float *)ddad_gpu_malloc(s.c * 4, "g");
            a.b = (float *)ddad_gpu_malloc(s.c * 4, "b");
            a.rm = (float *)ddad_gpu_malloc(s.c * 4, "rm");
            a.rv = (float *)ddad_gpu_malloc(s.c * 4, "rv");
            a.sm = (float *)ddad_gpu_malloc(s.c * 4, "sm");
            a.si = (float *)ddad_gpu_malloc(s.c * 4, "si");
            a.stats = (double *)ddad_gpu_malloc(2 * s.c * 8, "stats");
            float ones = 1.0f;
            DDAD_CHECK_CUDA(cudaMemcpy(a.x, hx, n * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemcpy(a.g, hg, s.c * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemcpy(a.b, hb, s.c * 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemset(a.rm, 0, s.c * 4));
            for (int c = 0; c < s.c; c++) DDAD_CHECK_CUDA(cudaMemcpy(a.rv + c, &ones, 4, cudaMemcpyHostToDevice));
            DDAD_CHECK_CUDA(cudaMemset(a.y, 0xFF, n * 4));
            run(&a);
            double e = bench_rel_err(a.y, hy, n);
            float ms = bench_time(ctx->stream, 7, 50, run, &a);
            printf("%-8s n%d c%d hw%d %-8s rel err %.2e  %.2f us\n", names[k], s.n, s.c, s.hw,
                   fused ? "fused" : "separate", e, ms * 1e3);
            if (!(e <= 1e-5)) bad = 1;
            char nm[96];
            snprintf(nm, sizeof nm, "bn_relu_%s_%s", fused ? "fused" : "separate", names[k]);
            bench_result(nm, ms * 1e3, "us");
            void *bufs[] = {a.x, a.y, a.tmp, a.g, a.b, a.rm, a.rv, a.sm, a.si, a.stats};
            for (int i = 0; i < 10; i++) DDAD_CHECK_CUDA(cudaFree(bufs[i]));
        }
        free(hx), free(hy), free(hg), free(hb), free(hrm), free(hrv), free(hsm), free(hsi), free(hst);
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_relu: VALIDATION FAILED\n");
    return bad;
}

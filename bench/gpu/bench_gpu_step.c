/* The workloads of issue 5 on one GPU, timed with CUDA events (median of repeats):
 *   ae_train     AE member training step, batch 64 (gather + fwd + bwd + Adam), graph replay
 *                (and eager launches, for comparison)
 *   refine_step  refiner step, batch 8: FPI on device, 6 frozen AE forwards (eval), maps,
 *                refiner fwd/bwd, Adam, captured graphs (refine_train_gpu.h); the inputs
 *                of 16 steps prepared at once (the pipeline's choice) and, for comparison,
 *                step by step (members at batch 8)
 *   ae_infer     AE eval-mode forward, batch 256
 * and the peak device memory. Usage: bench_gpu_step [fp32|tf32] [steps] [workload], where
 * workload (default all) is one of ae_train (graph replay only), ae_infer, refine (blocked
 * member forwards only): one workload alone, for a profiler (bench/gpu-profile.sh). */
#include "bench_common.h"

#include <cuda_profiler_api.h>

#include "cuda/ae_gpu.h"
#include "cuda/ae_train_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/conv_plan.h"
#include "cuda/gpu_ctx.h"
#include "cuda/maps_gpu.h"
#include "cuda/refine_gpu.h"
#include "cuda/refine_train_gpu.h"
#include "model/ae.h"
#include "model/refine.h"

#define S 64
#define NIMG 3851
#define K 3
#define BLOCK 16   // refiner steps prepared at once (refine_job_gpu.c: 128 samples)

typedef struct {
    ddad_ae_gpu_trainer *t;
} train_arg;

static void train_once(void *p) { ddad_ae_gpu_trainer_run(((train_arg *)p)->t, 1); }

typedef struct {
    ddad_refine_gpu_trainer *t;
} refine_arg;

static void refine_once(void *p) { ddad_refine_gpu_trainer_run(((refine_arg *)p)->t, 1); }

typedef struct {
    ddad_ae_gpu *ae;
    const float *x;
    int batch;
} infer_arg;

static void infer_once(void *p)
{
    infer_arg *a = (infer_arg *)p;
    ddad_ae_gpu_forward(a->ae, a->x, a->batch, 0, NULL);
}

// One run of `iters` steps between cudaProfilerStart and Stop, before the timed runs: a
// profiler started with its recording off (bench/gpu-profile.sh) records these steps alone,
// whole steps and, for the refiner, whole blocks. Without a profiler, one more warm run.
static void profiled_rep(ddad_gpu_ctx *ctx, int iters, void (*fn)(void *), void *arg)
{
    DDAD_CHECK_CUDA(cudaProfilerStart());
    for (int i = 0; i < iters; i++) fn(arg);
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
    DDAD_CHECK_CUDA(cudaProfilerStop());
}

// The loss readings of a trainer (one every 50 steps): the last one, or that none came.
static void report_losses(const char *what, ddad_ae_gpu_trainer *ae, ddad_refine_gpu_trainer *ref)
{
    ddad_loss_reading r;
    float last = 0;
    int n = 0;
    while (ae ? ddad_ae_gpu_trainer_poll(ae, 1, &r) : ddad_refine_gpu_trainer_poll(ref, 1, &r)) last = r.loss, n++;
    if (n == 0)
        printf("  %s: no reading (fewer than 50 steps ran)\n", what);
    else
        printf("  %s read back asynchronously: %.5f (finite: %s)\n", what, last, last == last ? "yes" : "NO");
}

int main(int argc, char **argv)
{
    if (bench_skip("bench_gpu_step")) return BENCH_SKIP;
    const int tf32 = argc > 1 && strcmp(argv[1], "tf32") == 0;
    const int steps = argc > 2 ? atoi(argv[2]) : 200;
    const char *prec = tf32 ? "tf32" : "fp32";
    const char *only = argc > 3 ? argv[3] : "all";
    const int all = !strcmp(only, "all");
    if (!all && strcmp(only, "ae_train") && strcmp(only, "ae_infer") && strcmp(only, "refine")) {
        fprintf(stderr, "bench_gpu_step: unknown workload '%s' (all, ae_train, ae_infer or refine)\n", only);
        return 2;
    }
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 42, 0, 0, DDAD_RNG_TEST, 0);
    const size_t hw = (size_t)S * S;

    // A device-resident uint8 dataset the size of RSNA's D_n.
    uint8_t *h_img = (uint8_t *)malloc(NIMG * hw);
    for (size_t i = 0; i < NIMG * hw; i++) h_img[i] = (uint8_t)ddad_rng_randint(&rng, 0, 256);
    uint8_t *d_img = (uint8_t *)ddad_gpu_malloc(NIMG * hw, "dataset");
    DDAD_CHECK_CUDA(cudaMemcpy(d_img, h_img, NIMG * hw, cudaMemcpyHostToDevice));
    free(h_img);

    // ---- AE training, batch 64 ----
    const int B = 64;
    const int64_t sched = steps * 8 + 64;
    int64_t *h_order = (int64_t *)malloc(sizeof(int64_t) * sched * B);
    for (int64_t i = 0; i < sched * B; i++) h_order[i] = ddad_rng_randint(&rng, 0, NIMG);
    int64_t *d_order = (int64_t *)ddad_gpu_malloc(sizeof(int64_t) * sched * B, "schedule");
    DDAD_CHECK_CUDA(cudaMemcpy(d_order, h_order, sizeof(int64_t) * sched * B, cudaMemcpyHostToDevice));
    free(h_order);
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = 0};
    ddad_ae *host = ddad_ae_create(&shape, 2, 1);
    ddad_ae_init(host, 1, DDAD_MOD_NDM, 0);
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 0.0f);
    for (int graph = 1; graph >= (all ? 0 : 1) && (all || !strcmp(only, "ae_train")); graph--) {
        ddad_ae_gpu *ae = ddad_ae_gpu_create(ctx, &shape, B, 1);
        ddad_ae_gpu_upload(ae, ddad_ae_paramset(host));
        ddad_ae_gpu_trainer *t = ddad_ae_gpu_trainer_create(ae, d_img, d_order, sched, B, &opt, 50, graph);
        ddad_ae_gpu_trainer_run(t, 10);   // warm-up: algorithm choice, capture
        if (graph) ddad_conv_plans_print(ctx, stdout);   // which engine each operation chose
        train_arg a = {t};
        const int iters = steps / 5 > 0 ? steps / 5 : 1;
        profiled_rep(ctx, iters, train_once, &a);
        float ms = bench_time(ctx->stream, 5, iters, train_once, &a);
        char name[64];
        snprintf(name, sizeof name, "ae_train_b64_%s_%s", graph ? "graph" : "eager", prec);
        bench_result(name, ms, "ms/step");
        snprintf(name, sizeof name, "ae_train_b64_%s_%s_imgs", graph ? "graph" : "eager", prec);
        bench_result(name, B / (ms * 1e-3), "img/s");
        report_losses("last loss", t, NULL);
        ddad_ae_gpu_trainer_free(t);
        ddad_ae_gpu_free(ae);
    }

    // ---- AE inference, batch 256 ----
    if (all || !strcmp(only, "ae_infer")) {
        const int NB = 256;
        ddad_ae_gpu *ae = ddad_ae_gpu_create(ctx, &shape, NB, 0);
        ddad_ae *h0 = ddad_ae_create(&shape, 1, 0);
        ddad_ae_init(h0, 2, DDAD_MOD_NDM, 0);
        ddad_ae_gpu_upload(ae, ddad_ae_paramset(h0));
        float *x = bench_dev_rand(&rng, (size_t)NB * hw, -1, 1);
        infer_arg a = {ae, x, NB};
        infer_once(&a);
        profiled_rep(ctx, 20, infer_once, &a);
        float ms = bench_time(ctx->stream, 5, 20, infer_once, &a);
        char name[64];
        snprintf(name, sizeof name, "ae_infer_b256_%s_imgs", prec);
        bench_result(name, NB / (ms * 1e-3), "img/s");
        ddad_gpu_free(x, (size_t)NB * hw * sizeof(float));
        ddad_ae_gpu_free(ae);
        ddad_ae_free(h0);
    }

    // ---- refiner step, batch 8, with the 6 frozen members ----
    if (all || !strcmp(only, "refine")) {
        const int RB = 8;
        ddad_ae_gpu *members[2 * K];
        ddad_ae *h0 = ddad_ae_create(&shape, 1, 0);
        for (int m = 0; m < 2 * K; m++) {
            ddad_ae_init(h0, 3, m < K ? DDAD_MOD_NDM : DDAD_MOD_UDM, m % K);
            members[m] = ddad_ae_gpu_create(ctx, &shape, BLOCK * RB, 0);
            ddad_ae_gpu_upload(members[m], ddad_ae_paramset(h0));
        }
        ddad_ae_free(h0);
        ddad_refine *hr = ddad_refine_create(2, S, S, 1, 1);
        ddad_refine_init(hr, 4);
        ddad_refine_gpu *ref = ddad_refine_gpu_create(ctx, 2, S, S, RB, 1);
        // Patches as docs/METHOD.md draws them (half of the samples patched).
        // whole blocks per timed run, so each run pays its share of the prep; the schedule
        // holds the warm-up, the profiled run and the 5 timed runs
        const int iters = steps / 5 > BLOCK ? ((steps / 5 + BLOCK - 1) / BLOCK) * BLOCK : BLOCK;
        const int64_t rsched = 2 * BLOCK + 6 * (int64_t)iters;
        ddad_fpi_patch *hp = (ddad_fpi_patch *)calloc((size_t)rsched * RB, sizeof *hp);
        for (int64_t i = 0; i < rsched * RB; i++) {
            hp[i].self = ddad_rng_randint(&rng, 0, NIMG);
            hp[i].src = ddad_rng_randint(&rng, 0, NIMG);
            if (ddad_rng_uniform(&rng) > 0.5) {
                int c0 = (int)ddad_rng_randint(&rng, 6, 57), c1 = (int)ddad_rng_randint(&rng, 6, 57);
                int half = (int)ddad_rng_randint(&rng, 3, 13);
                hp[i].y0 = c0 - half < 0 ? 0 : c0 - half;
                hp[i].y1 = c0 + half > S ? S : c0 + half;
                hp[i].x0 = c1 - half < 0 ? 0 : c1 - half;
                hp[i].x1 = c1 + half > S ? S : c1 + half;
                hp[i].alpha = ddad_rng_uniformf(&rng);
            }
        }
        ddad_fpi_patch *d_patch = (ddad_fpi_patch *)ddad_gpu_malloc(sizeof *hp * rsched * RB, "patches");
        DDAD_CHECK_CUDA(cudaMemcpy(d_patch, hp, sizeof *hp * rsched * RB, cudaMemcpyHostToDevice));
        // a pageable cudaMemcpy may return before its DMA lands, and the trainer's copy runs
        // on the context's non-blocking stream
        DDAD_CHECK_CUDA(cudaDeviceSynchronize());
        free(hp);
        ddad_adam_cfg ropt = ddad_adam_defaults(1e-4f, 1e-4f);
        for (int v = 0; v < (all ? 2 : 1); v++) {
            const int block = v == 0 ? BLOCK : 1;
            ddad_refine_gpu_upload(ref, ddad_refine_paramset(hr));
            ddad_refine_gpu_trainer *t = ddad_refine_gpu_trainer_create(ref, members, K, 1, d_img, S, S, d_patch,
                                                                        rsched, RB, RB, &ropt, NULL, 50, 1, block, 0);
            ddad_refine_gpu_trainer_run(t, 2 * BLOCK);   // eager first uses, captures
            if (v == 0) ddad_conv_plans_print(ctx, stdout);   // the AE's plans again, and the refiner's
            refine_arg a = {t};
            profiled_rep(ctx, iters, refine_once, &a);
            float ms = bench_time(ctx->stream, 5, iters, refine_once, &a);
            char name[64];
            snprintf(name, sizeof name, "refine_step_b8_%s%s", prec, block == 1 ? "_per_step" : "");
            bench_result(name, ms, "ms/step");
            snprintf(name, sizeof name, "refine_step_b8_%s%s_imgs", prec, block == 1 ? "_per_step" : "");
            bench_result(name, RB / (ms * 1e-3), "img/s");
            report_losses("refiner loss", NULL, t);
            ddad_refine_gpu_trainer_free(t);
        }
        ddad_refine_free(hr);
        ddad_gpu_free(d_patch, sizeof(ddad_fpi_patch) * rsched * RB);
        for (int m = 0; m < 2 * K; m++) ddad_ae_gpu_free(members[m]);
        ddad_refine_gpu_free(ref);
    }

    size_t free_b = 0, total_b = 0;
    DDAD_CHECK_CUDA(cudaMemGetInfo(&free_b, &total_b));
    bench_result("peak_alloc_MiB", (double)ddad_gpu_peak_bytes() / 1048576.0, "MiB");
    bench_result("device_used_MiB", (double)(total_b - free_b) / 1048576.0, "MiB");
    ddad_gpu_ctx_free(ctx);
    return 0;
}

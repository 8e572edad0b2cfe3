/* The workloads of issue 5 on one GPU, timed with CUDA events (median of repeats):
 *   ae_train     AE member training step, batch 64 (gather + fwd + bwd + Adam), graph replay
 *                (and eager launches, for comparison)
 *   refine_step  refiner step, batch 8: FPI on device, 6 frozen AE forwards (eval), maps,
 *                refiner fwd/bwd, Adam, one captured graph
 *   ae_infer     AE eval-mode forward, batch 256
 * and the peak device memory. Usage: bench_gpu_step [fp32|tf32] [steps]. */
#include "bench_common.h"

#include "cuda/ae_gpu.h"
#include "cuda/ae_train_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/gpu_ctx.h"
#include "cuda/maps_gpu.h"
#include "cuda/refine_gpu.h"
#include "model/ae.h"
#include "model/refine.h"

#define S 64
#define NIMG 3851
#define K 3

typedef struct {
    ddad_ae_gpu_trainer *t;
} train_arg;

static void train_once(void *p) { ddad_ae_gpu_trainer_run(((train_arg *)p)->t, 1); }

typedef struct {
    cudaGraphExec_t exec;
    cudaStream_t s;
} graph_arg;

static void graph_once(void *p)
{
    graph_arg *g = (graph_arg *)p;
    DDAD_CHECK_CUDA(cudaGraphLaunch(g->exec, g->s));
}

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

/* Everything one refiner step needs on the device. */
typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_ae_gpu *members[2 * K];
    ddad_refine_gpu *ref;
    const uint8_t *images;
    const ddad_fpi_patch *patches;
    int64_t *cursor;
    int64_t n_steps;
    float *x, *outs, *in;
    uint8_t *target;
    ddad_adam_cfg opt;
    int batch;
} refine_arg;

static void refine_step(refine_arg *a)
{
    const size_t hw = (size_t)S * S, per_member = (size_t)a->batch * hw;
    ddad_fpi_apply_gpu(a->ctx, a->images, S, S, a->patches, a->cursor, a->batch, a->x, a->target);
    for (int m = 0; m < 2 * K; m++) ddad_ae_gpu_forward(a->members[m], a->x, a->batch, 0, a->outs + m * per_member);
    ddad_refine_input_gpu(a->ctx, a->outs, K, 1, a->batch, hw, 1, a->in);
    ddad_refine_gpu_forward_backward(a->ref, a->in, a->target, a->batch, a->batch, NULL);
    ddad_refine_gpu_adam(a->ref, &a->opt);
    ddad_cursor_advance_gpu(a->ctx, a->cursor, a->n_steps);
}

int main(int argc, char **argv)
{
    if (bench_skip("bench_gpu_step")) return BENCH_SKIP;
    const int tf32 = argc > 1 && strcmp(argv[1], "tf32") == 0;
    const int steps = argc > 2 ? atoi(argv[2]) : 200;
    const char *prec = tf32 ? "tf32" : "fp32";
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
    for (int graph = 1; graph >= 0; graph--) {
        ddad_ae_gpu *ae = ddad_ae_gpu_create(ctx, &shape, B, 1);
        ddad_ae_gpu_upload(ae, ddad_ae_paramset(host));
        ddad_ae_gpu_trainer *t = ddad_ae_gpu_trainer_create(ae, d_img, d_order, sched, B, &opt, 50, graph);
        ddad_ae_gpu_trainer_run(t, 10);   // warm-up: algorithm choice, capture
        train_arg a = {t};
        float ms = bench_time(ctx->stream, 5, steps / 5 > 0 ? steps / 5 : 1, train_once, &a);
        char name[64];
        snprintf(name, sizeof name, "ae_train_b64_%s_%s", graph ? "graph" : "eager", prec);
        bench_result(name, ms, "ms/step");
        snprintf(name, sizeof name, "ae_train_b64_%s_%s_imgs", graph ? "graph" : "eager", prec);
        bench_result(name, B / (ms * 1e-3), "img/s");
        ddad_loss_reading r;
        float last = 0;
        while (ddad_ae_gpu_trainer_poll(t, 1, &r)) last = r.loss;
        printf("  last loss read back asynchronously: %.5f (finite: %s)\n", last, last == last ? "yes" : "NO");
        ddad_ae_gpu_trainer_free(t);
        ddad_ae_gpu_free(ae);
    }

    // ---- AE inference, batch 256 ----
    {
        const int NB = 256;
        ddad_ae_gpu *ae = ddad_ae_gpu_create(ctx, &shape, NB, 0);
        ddad_ae *h0 = ddad_ae_create(&shape, 1, 0);
        ddad_ae_init(h0, 2, DDAD_MOD_NDM, 0);
        ddad_ae_gpu_upload(ae, ddad_ae_paramset(h0));
        float *x = bench_dev_rand(&rng, (size_t)NB * hw, -1, 1);
        infer_arg a = {ae, x, NB};
        infer_once(&a);
        float ms = bench_time(ctx->stream, 5, 20, infer_once, &a);
        char name[64];
        snprintf(name, sizeof name, "ae_infer_b256_%s_imgs", prec);
        bench_result(name, NB / (ms * 1e-3), "img/s");
        ddad_gpu_free(x, (size_t)NB * hw * sizeof(float));
        ddad_ae_gpu_free(ae);
        ddad_ae_free(h0);
    }

    // ---- refiner step, batch 8, with the 6 frozen members ----
    {
        refine_arg a;
        memset(&a, 0, sizeof a);
        a.ctx = ctx;
        a.batch = 8;
        a.n_steps = sched;
        a.opt = ddad_adam_defaults(1e-4f, 1e-4f);
        ddad_ae *h0 = ddad_ae_create(&shape, 1, 0);
        for (int m = 0; m < 2 * K; m++) {
            ddad_ae_init(h0, 3, m < K ? DDAD_MOD_NDM : DDAD_MOD_UDM, m % K);
            a.members[m] = ddad_ae_gpu_create(ctx, &shape, a.batch, 0);
            ddad_ae_gpu_upload(a.members[m], ddad_ae_paramset(h0));
        }
        ddad_ae_free(h0);
        ddad_refine *hr = ddad_refine_create(2, S, S, 1, 1);
        ddad_refine_init(hr, 4);
        a.ref = ddad_refine_gpu_create(ctx, 2, S, S, a.batch, 1);
        ddad_refine_gpu_upload(a.ref, ddad_refine_paramset(hr));
        ddad_refine_free(hr);
        ddad_fpi_patch *hp = (ddad_fpi_patch *)calloc((size_t)sched * a.batch, sizeof *hp);
        for (int64_t i = 0; i < sched * a.batch; i++) {
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
        a.patches = (ddad_fpi_patch *)ddad_gpu_malloc(sizeof *hp * sched * a.batch, "patches");
        DDAD_CHECK_CUDA(cudaMemcpy((void *)a.patches, hp, sizeof *hp * sched * a.batch, cudaMemcpyHostToDevice));
        free(hp);
        a.images = d_img;
        a.cursor = (int64_t *)ddad_gpu_malloc(sizeof(int64_t), "cursor");
        DDAD_CHECK_CUDA(cudaMemset(a.cursor, 0, sizeof(int64_t)));
        a.x = (float *)ddad_gpu_malloc(sizeof(float) * a.batch * hw, "refine x");
        a.outs = (float *)ddad_gpu_malloc(sizeof(float) * 2 * K * a.batch * hw, "member outputs");
        a.in = (float *)ddad_gpu_malloc(sizeof(float) * 2 * a.batch * hw, "refine input");
        a.target = (uint8_t *)ddad_gpu_malloc((size_t)a.batch * hw, "refine target");
        refine_step(&a);   // eager warm-up: chooses the algorithms
        DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
        cudaGraph_t graph;
        graph_arg g = {0, ctx->stream};
        DDAD_CHECK_CUDA(cudaStreamBeginCapture(ctx->stream, cudaStreamCaptureModeThreadLocal));
        refine_step(&a);
        DDAD_CHECK_CUDA(cudaStreamEndCapture(ctx->stream, &graph));
        DDAD_CHECK_CUDA(cudaGraphInstantiate(&g.exec, graph, 0));
        DDAD_CHECK_CUDA(cudaGraphDestroy(graph));
        graph_once(&g);
        float ms = bench_time(ctx->stream, 5, steps / 5 > 0 ? steps / 5 : 1, graph_once, &g);
        char name[64];
        snprintf(name, sizeof name, "refine_step_b8_%s", prec);
        bench_result(name, ms, "ms/step");
        snprintf(name, sizeof name, "refine_step_b8_%s_imgs", prec);
        bench_result(name, a.batch / (ms * 1e-3), "img/s");
        float loss = ddad_gpu_read_float(ctx, ddad_refine_gpu_loss(a.ref));
        printf("  refiner loss after the timed steps: %.5f (finite: %s)\n", loss, loss == loss ? "yes" : "NO");
        DDAD_CHECK_CUDA(cudaGraphExecDestroy(g.exec));
        for (int m = 0; m < 2 * K; m++) ddad_ae_gpu_free(a.members[m]);
        ddad_refine_gpu_free(a.ref);
    }

    size_t free_b = 0, total_b = 0;
    DDAD_CHECK_CUDA(cudaMemGetInfo(&free_b, &total_b));
    bench_result("peak_alloc_MiB", (double)ddad_gpu_peak_bytes() / 1048576.0, "MiB");
    bench_result("device_used_MiB", (double)(total_b - free_b) / 1048576.0, "MiB");
    ddad_gpu_ctx_free(ctx);
    return 0;
}

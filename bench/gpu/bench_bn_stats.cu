// Kernel lab: BatchNorm (train) statistics in one launch instead of three. The three-launch
// path (batchnorm_gpu.cu: partial sums, an in-order sum of the partials, a per-channel
// parameter kernel) leaves room for synchronised BatchNorm's reducer between the last two;
// without a reducer, production now lets the last block of each channel (a ticket taken
// after a memory fence) add that channel's partials in slice order and finish the channel:
// the same arithmetic in the same order, so the same bits, with two fewer launches per
// BatchNorm forward and one fewer per backward. Both paths of production's forward are
// run here (a one-rank reducer selects the three-launch one), checked against the CPU
// reference and against each other bit for bit, and timed as CUDA graph replays (as the
// pipeline runs them) on the AE's first and last BatchNorm2d shapes, its BatchNorm1d, and
// the refiner's. (An earlier version, timed eagerly on an H200, measured 17, 8 and 39 µs
// against 20, 19 and 43 µs: bench/RESULTS.md.)
#include <math.h>

#include "bench_common.h"
#include "cuda/batchnorm_gpu.h"
#include "cuda/c_api.h"
#include "cuda/gpu_ctx.h"

extern "C" {
#include "nn/batchnorm.h"
}

static void one_rank(double *, int, cudaStream_t, void *) {}

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_bn_shape s;
    const ddad_gpu_reducer *red;   // NULL: one launch; the one-rank reducer: three
    float *x, *g, *b, *rm, *rv, *sm, *si, *y;
    double *stats;
} arg_t;

// The outputs' bytes, in one host buffer: y, save_mean, save_invstd, stats, and (running)
// the running mean and variance.
static unsigned char *snapshot(const arg_t *a, int running, size_t *bytes)
{
    const size_t n = (size_t)a->s.n * a->s.c * a->s.hw, c4 = (size_t)a->s.c * 4;
    const void *src[6] = {a->y, a->sm, a->si, a->stats, a->rm, a->rv};
    const size_t sz[6] = {n * 4, c4, c4, 4 * c4, c4, c4};
    const int count = running ? 6 : 4;
    *bytes = 0;
    for (int i = 0; i < count; i++) *bytes += sz[i];
    unsigned char *h = (unsigned char *)malloc(*bytes), *at = h;
    if (!h) {
        fprintf(stderr, "bench_bn_stats: out of host memory\n");
        exit(1);
    }
    DDAD_CHECK_CUDA(cudaStreamSynchronize(a->ctx->stream));
    for (int i = 0; i < count; i++) {
        DDAD_CHECK_CUDA(cudaMemcpy(at, src[i], sz[i], cudaMemcpyDeviceToHost));
        at += sz[i];
    }
    return h;
}

static void run(void *q)
{
    const arg_t *a = (const arg_t *)q;
    ddad_bn_forward_train_gpu(a->ctx, &a->s, a->x, a->g, a->b, 1, a->y, a->rm, a->rv, a->sm, a->si, a->stats,
                              (double)a->s.n * a->s.hw, a->red);
}

int main(void)
{
    if (bench_skip("bench_bn_stats")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 8, 0, 0, DDAD_RNG_TEST, 0);
    const ddad_bn_shape shapes[] = {{64, 16, 32 * 32}, {64, 64, 4 * 4}, {64, 2048, 1}, {8, 128, 64 * 64}};
    const char *names[] = {"ae_enc0", "ae_enc3", "ae_bn1d", "refiner"};
    const ddad_gpu_reducer three = {one_rank, NULL};
    int bad = 0;
    for (int k = 0; k < 4; k++) {
        const ddad_bn_shape s = shapes[k];
        const size_t n = (size_t)s.n * s.c * s.hw, c4 = (size_t)s.c * 4;
        float *hx = (float *)malloc(n * 4), *hy = (float *)malloc(n * 4), *hg = (float *)malloc(c4);
        float *hb = (float *)malloc(c4), *hrm = (float *)calloc(s.c, 4), *hrv = (float *)malloc(c4);
        float *hsm = (float *)malloc(c4), *hsi = (float *)malloc(c4), *rv0 = (float *)malloc(c4);
        double *hst = (double *)malloc(2 * c4 * 2);
        if (!hx || !hy || !hg || !hb || !hrm || !hrv || !hsm || !hsi || !rv0 || !hst) return 1;
        for (size_t i = 0; i < n; i++) hx[i] = ddad_rng_uniformf(&rng) * 4.0f - 1.0f;
        for (int c = 0; c < s.c; c++) {
            hg[c] = 0.5f + ddad_rng_uniformf(&rng);
            hb[c] = ddad_rng_uniformf(&rng) - 0.5f;
            hrv[c] = rv0[c] = 1.0f;
        }
        ddad_bn_forward_train(&s, hx, hg, hb, 1, hy, hrm, hrv, hsm, hsi, hst, (double)s.n * s.hw, NULL);
        unsigned char *first[2] = {NULL, NULL}, *after[2] = {NULL, NULL};   // outputs of each path
        size_t nf = 0, na = 0;
        for (int path = 0; path < 2; path++) {
            arg_t a = {ctx, s, path ? NULL : &three, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
            a.x = (float *)bench_dev_copy(hx, n * 4);
            a.g = (float *)bench_dev_copy(hg, c4);
            a.b = (float *)bench_dev_copy(hb, c4);
            a.rm = (float *)ddad_gpu_malloc(c4, "running_mean");   // zeros: the reference's start
            DDAD_CHECK_CUDA(cudaMemsetAsync(a.rm, 0, c4, ctx->stream));
            a.rv = (float *)bench_dev_copy(rv0, c4);
            a.sm = (float *)ddad_gpu_malloc(c4, "save_mean");
            a.si = (float *)ddad_gpu_malloc(c4, "save_invstd");
            a.y = (float *)ddad_gpu_malloc(n * 4, "y");
            a.stats = (double *)ddad_gpu_malloc(c4 * 4, "stats");
            void *poison[4] = {a.y, a.sm, a.si, a.stats};   // NaN: unwritten fails
            const size_t psz[4] = {n * 4, c4, c4, c4 * 4};
            for (int i = 0; i < 4; i++) DDAD_CHECK_CUDA(cudaMemsetAsync(poison[i], 0xFF, psz[i], ctx->stream));
            run(&a);
            DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
            const double e = bench_rel_err(a.y, hy, n), erv = bench_rel_err(a.rv, hrv, s.c),
                         esm = bench_rel_err(a.sm, hsm, s.c);
            first[path] = snapshot(&a, 0, &nf);
            const float ms = bench_time_graph(ctx->stream, 7, 50, run, &a);
            // after the replays: the same outputs as the first run (the running statistics
            // moved on, by as many steps on either path), and on either path the same bits
            after[path] = snapshot(&a, 1, &na);
            const int steady = memcmp(first[path], after[path], nf) == 0;
            const int same = path == 0 || memcmp(after[0], after[1], na) == 0;
            const int ok = e <= 1e-5 && erv <= 1e-5 && esm <= 1e-5 && steady && same;
            if (!ok) bad = 1;
            printf("%-8s n%d c%d hw%d %-12s y %.1e running_var %.1e save_mean %.1e%s%s  %.2f us %s\n", names[k], s.n,
                   s.c, s.hw, path ? "one-launch" : "three-launch", e, erv, esm,
                   steady ? "" : ", replays DIFFER from the first run",
                   path ? (same ? ", bit-equal to three-launch" : ", DIFFERS from three-launch") : "", ms * 1e3,
                   ok ? "ok" : "FAIL");
            char nm[96];
            snprintf(nm, sizeof nm, "bn_stats_%s_%s", path ? "one_launch" : "three_launch", names[k]);
            bench_result(nm, ms * 1e3, "us");
            void *dev[] = {a.x, a.g, a.b, a.rm, a.rv, a.sm, a.si, a.y};
            const size_t sz[] = {n * 4, c4, c4, c4, c4, c4, c4, n * 4};
            for (int i = 0; i < 8; i++) ddad_gpu_free(dev[i], sz[i]);
            ddad_gpu_free(a.stats, c4 * 4);
        }
        free(after[0]), free(after[1]);
        free(first[0]), free(first[1]);
        free(hx), free(hy), free(hg), free(hb), free(hrm), free(hrv), free(hsm), free(hsi), free(hst), free(rv0);
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_bn_stats: VALIDATION FAILED\n");
    return bad;
}

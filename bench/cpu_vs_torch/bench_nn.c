/* Times ddad's CPU networks (the same work as bench_torch.py):
 *   ae_train   AE training step (forward, backward, Adam), batch 64, img 64
 *   refine     refiner training step, batch 8, img 64, including the 6 frozen AE forwards
 *              (eval mode) and the discrepancy maps that make its input
 *   ae_infer   AE eval-mode forward, batch 64
 * Prints one line per workload: name images_per_second.
 * usage: bench_nn THREADS [SECONDS_PER_WORKLOAD [ONLY_THIS_WORKLOAD]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/util.h"
#include "model/ae.h"
#include "model/refine.h"
#include "nn/threads.h"

#define S 64

static void fill(float *p, size_t n)
{
    ddad_rng r;
    ddad_rng_init(&r, 1, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, n);
    for (size_t i = 0; i < n; i++) p[i] = 2 * ddad_rng_uniformf(&r) - 1;
}

/* The workloads' state, shared with the step functions below. */
static struct {
    ddad_ae *ae, *members[6], *inf;
    ddad_refine *ref;
    ddad_adam_cfg opt, ropt;
    float *x, *out, *maps, *rin;
    uint8_t *target;
} W;

enum { B = 64, RB = 8, K = 3 };

static void ae_train(void) { ddad_ae_train_step(W.ae, W.x, B, &W.opt, NULL); }
static void ae_infer(void) { ddad_ae_forward(W.inf, W.x, B, 0, W.out); }

static void refine_step(void)
{
    const size_t P = (size_t)S * S;
    /* as the pipeline does: per-sample forwards (split-invariant refiner input) */
    for (int m = 0; m < 2 * K; m++) ddad_ae_forward_per_sample(W.members[m], W.x, RB, W.maps + (size_t)m * RB * P);
    for (int n = 0; n < RB; n++)
        for (size_t p = 0; p < P; p++) {
            double ma = 0, mb = 0, vb = 0;
            for (int k = 0; k < K; k++) {
                ma += W.maps[((size_t)k * RB + n) * P + p];
                mb += W.maps[((size_t)(K + k) * RB + n) * P + p];
            }
            ma /= K;
            mb /= K;
            for (int k = 0; k < K; k++) {
                double d = W.maps[((size_t)(K + k) * RB + n) * P + p] - mb;
                vb += d * d;
            }
            W.rin[((size_t)n * 2) * P + p] = (float)fabs(ma - mb);
            W.rin[((size_t)n * 2 + 1) * P + p] = (float)sqrt(vb / (K - 1));
        }
    ddad_refine_forward_backward(W.ref, W.rin, W.target, RB, RB, NULL);
    ddad_adam_step(ddad_refine_paramset(W.ref), &W.ropt);
}

/* Wall clock, or the process's CPU time when DDAD_BENCH_CPUTIME=1 (steadier on a shared
 * machine with one thread; with several threads it counts spinning too). */
static double now(void)
{
    static int cpu = -1;
    if (cpu < 0) cpu = getenv("DDAD_BENCH_CPUTIME") && atoi(getenv("DDAD_BENCH_CPUTIME")) == 1;
    if (!cpu) return ddad_now();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Calls fn until `seconds` have passed (after one warm-up call); returns calls per second. */
static double timed(double seconds, void (*fn)(void))
{
    fn();
    int calls = 0;
    double t0 = now(), t;
    do {
        fn();
        calls++;
        t = now() - t0;
    } while (t < seconds || calls < 3);
    return calls / t;
}

int main(int argc, char **argv)
{
    ddad_nn_single_blas_pool(argv);
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    double secs = argc > 2 ? atof(argv[2]) : 5.0;
    const char *only = argc > 3 ? argv[3] : NULL;
#define WANT(name) (!only || strcmp(only, name) == 0)
    ddad_nn_set_threads(threads);
    ddad_ae_shape sh = {.img_size = S, .mp = 1, .ls = 16, .unc = 0};
    const size_t P = (size_t)S * S;
    W.opt = ddad_adam_defaults(5e-4f, 0.0f);
    W.ropt = ddad_adam_defaults(1e-4f, 1e-4f);
    W.x = malloc(sizeof(float) * B * P);
    W.out = malloc(sizeof(float) * B * P);
    fill(W.x, (size_t)B * P);

    W.ae = ddad_ae_create(&sh, B, 1);
    ddad_ae_init(W.ae, 1, DDAD_MOD_NDM, 0);
    if (WANT("ae_train")) printf("ae_train %.1f\n", timed(secs, ae_train) * B);
    fflush(stdout);
    ddad_ae_free(W.ae);

    /* 3 UDM + 3 NDM frozen members (eval mode), dual input */
    for (int m = 0; m < 2 * K; m++) {
        W.members[m] = ddad_ae_create(&sh, RB, 0);
        ddad_ae_init(W.members[m], 1, m < K ? DDAD_MOD_UDM : DDAD_MOD_NDM, m % K);
    }
    W.maps = malloc(sizeof(float) * 2 * K * RB * P);
    W.rin = malloc(sizeof(float) * RB * 2 * P);
    W.target = calloc((size_t)RB * P, 1);
    for (size_t i = 0; i < RB * P; i++) W.target[i] = W.x[i] > 0.6f;
    W.ref = ddad_refine_create(2, S, S, RB, 1);
    ddad_refine_init(W.ref, 1);
    if (WANT("refine")) printf("refine %.1f\n", timed(secs, refine_step) * RB);
    fflush(stdout);
    for (int m = 0; m < 2 * K; m++) ddad_ae_free(W.members[m]);
    ddad_refine_free(W.ref);

    W.inf = ddad_ae_create(&sh, B, 0);
    ddad_ae_init(W.inf, 1, DDAD_MOD_NDM, 0);
    if (WANT("ae_infer")) printf("ae_infer %.1f\n", timed(secs, ae_infer) * B);
    ddad_ae_free(W.inf);
    free(W.x), free(W.out), free(W.maps), free(W.rin), free(W.target);
    return 0;
}

/* Split-invariant refiner gradients: a batch of 8 split 3+3+2 across three simulated ranks
 * (threads in lockstep with a summing reducer). Summing the ranks' double gradient buffers
 * and rounding once to float must reproduce the single-process float gradient bit for bit
 * (>= 99.9% of elements, the rest within 2e-7 of the tensor's largest gradient), and 20
 * Adam steps taken both ways must end at the same parameters (<= 1e-6 relative). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/adam.h"
#include "model/refine.h"
#include "nn/threads.h"

#define RANKS 3
#define N 8
#define CIN 2
#define H 12
#define W 10
#define STEPS 20

static const int share[RANKS] = {3, 3, 2}, first[RANKS] = {0, 3, 6};

#include "lockstep_reducer.h"

typedef struct {
    ddad_refine *net;
    const float *in;
    const uint8_t *target;
    rank_ctx rc;
} job;

static void *run_rank(void *arg)
{
    job *j = arg;
    ddad_reducer red = {lockstep_sum, &j->rc};
    size_t off = (size_t)first[j->rc.rank];
    ddad_refine_forward_backward(j->net, j->in + off * CIN * H * W, j->target + off * H * W, share[j->rc.rank], N,
                                 &red);
    return NULL;
}

static void make_batch(uint64_t step, float *in, uint8_t *target)
{
    ddad_rng rng;
    ddad_rng_init(&rng, 7, DDAD_MOD_REFINE, 0, DDAD_RNG_TEST, step);
    for (int i = 0; i < N * CIN * H * W; i++) in[i] = ddad_rng_uniformf(&rng);
    for (int i = 0; i < N * H * W; i++) target[i] = ddad_rng_uniformf(&rng) < 0.3f;
}

/* One data-parallel step: the ranks run in lockstep, then the recipe of refine.h (sum the
 * double buffers, round once to float) sets every rank's grads. */
static void split_step(job *jobs, lockstep *ls, const float *in, const uint8_t *target)
{
    pthread_t th[RANKS];
    for (int r = 0; r < RANKS; r++) {
        jobs[r].in = in;
        jobs[r].target = target;
        jobs[r].rc.ls = ls;
        jobs[r].rc.rank = r;
        if (pthread_create(&th[r], NULL, run_rank, &jobs[r]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    }
    for (int r = 0; r < RANKS; r++) pthread_join(th[r], NULL);
    ddad_paramset *p0 = ddad_refine_paramset(jobs[0].net);
    for (size_t i = 0; i < p0->n_params; i++) {
        double s = 0;
        for (int r = 0; r < RANKS; r++) s += ddad_refine_grad_sums(jobs[r].net)[i];
        for (int r = 0; r < RANKS; r++) ddad_refine_paramset(jobs[r].net)->grads[i] = (float)s;
    }
}

/* Per tensor: elements that differ, and the largest difference relative to max |ref|. */
static int compare(const char *what, const ddad_paramset *ref, const float *a, const float *b, double tol,
                   double min_same)
{
    int fail = 0;
    size_t total = 0, same = 0;
    for (int t = 0; t < ref->n_param_desc; t++) {
        const ddad_tensor_desc *d = &ref->param_desc[t];
        double maxb = 0, maxd = 0;
        size_t ts = 0;
        for (size_t i = 0; i < d->count; i++) {
            double x = a[d->offset + i], y = b[d->offset + i];
            if (fabs(y) > maxb) maxb = fabs(y);
            if (!(fabs(x - y) <= maxd)) maxd = fabs(x - y);
            ts += memcmp(&a[d->offset + i], &b[d->offset + i], sizeof(float)) == 0;
        }
        double rel = maxb > 0 ? maxd / maxb : maxd;
        int ok = rel <= tol;
        printf("%s %-22s %7zu/%-7zu bit-identical, max diff %.2e of max %.3e %s\n", what, d->name, ts, d->count, rel,
               maxb, ok ? "ok" : "FAIL");
        fail |= !ok;
        total += d->count;
        same += ts;
    }
    double frac = (double)same / (double)total;
    printf("%s all: %zu/%zu bit-identical (%.4f%%) %s\n", what, same, total, 100.0 * frac,
           frac >= min_same ? "ok" : "FAIL");
    return fail | !(frac >= min_same);
}

int main(void)
{
    ddad_nn_set_threads(1);
    float *in = malloc(sizeof(float) * N * CIN * H * W);
    uint8_t *target = malloc((size_t)N * H * W);
    if (!in || !target) return 1;

    ddad_refine *full = ddad_refine_create(CIN, H, W, N, 1);
    ddad_refine_init(full, 11);
    ddad_paramset *pf = ddad_refine_paramset(full);
    lockstep ls;
    pthread_barrier_init(&ls.barrier, NULL, RANKS);
    job jobs[RANKS];
    for (int r = 0; r < RANKS; r++) {
        jobs[r].net = ddad_refine_create(CIN, H, W, share[r], 1);
        ddad_refine_init(jobs[r].net, 11);
    }
    ddad_paramset *p0 = ddad_refine_paramset(jobs[0].net);

    /* one step's gradients */
    make_batch(0, in, target);
    ddad_refine_forward_backward(full, in, target, N, N, NULL);
    split_step(jobs, &ls, in, target);
    /* for contrast (not checked): the ranks' float grads summed in float */
    size_t fsame = 0;
    for (size_t i = 0; i < pf->n_params; i++) {
        float s = 0.0f;
        for (int r = 0; r < RANKS; r++) s += (float)ddad_refine_grad_sums(jobs[r].net)[i];
        fsame += s == pf->grads[i];
    }
    printf("(float all-reduce of the ranks' float grads would give %zu/%zu equal)\n", fsame, pf->n_params);
    int fail = compare("grad", pf, p0->grads, pf->grads, 2e-7, 0.999);

    /* 20 Adam steps both ways, same batches */
    ddad_adam_cfg cfg = ddad_adam_defaults(1e-3f, 1e-4f);
    ddad_adam_step(pf, &cfg);
    for (int r = 0; r < RANKS; r++) ddad_adam_step(ddad_refine_paramset(jobs[r].net), &cfg);
    for (int step = 1; step < STEPS; step++) {
        make_batch((uint64_t)step, in, target);
        ddad_refine_forward_backward(full, in, target, N, N, NULL);
        ddad_adam_step(pf, &cfg);
        split_step(jobs, &ls, in, target);
        for (int r = 0; r < RANKS; r++) ddad_adam_step(ddad_refine_paramset(jobs[r].net), &cfg);
    }
    fail |= compare("params after 20 steps", pf, p0->params, pf->params, 1e-6, 0.0);
    for (int r = 1; r < RANKS; r++)
        if (memcmp(ddad_refine_paramset(jobs[r].net)->params, p0->params, sizeof(float) * p0->n_params) != 0) {
            printf("rank %d params differ from rank 0 FAIL\n", r);
            fail = 1;
        }
    double maxd = 0;
    for (size_t i = 0; i < pf->n_buffers; i++) {
        double e = fabs(p0->buffers[i] - pf->buffers[i]) / (fabs(pf->buffers[i]) + 1e-6);
        if (!(e <= maxd)) maxd = e;
    }
    printf("running stats after 20 steps: max rel %.2e %s\n", maxd, maxd <= 1e-6 ? "ok" : "FAIL");
    fail |= !(maxd <= 1e-6);

    for (int r = 0; r < RANKS; r++) ddad_refine_free(jobs[r].net);
    ddad_refine_free(full);
    pthread_barrier_destroy(&ls.barrier);
    free(in);
    free(target);
    printf("%s\n", fail ? "FAILED" : "passed");
    return fail;
}

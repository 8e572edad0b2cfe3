/* Synchronised BatchNorm: a batch of 6 split across 3 simulated ranks (threads in lockstep,
 * with a reducer that sums over them) gives, summed over the ranks, the loss and the
 * gradients of the whole batch on one rank, and the same running statistics. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/refine.h"
#include "nn/threads.h"

#define RANKS 3
#define PER_RANK 2
#define CIN 2
#define H 12
#define W 10

#include "lockstep_reducer.h"

typedef struct {
    ddad_refine *net;
    const float *in;
    const uint8_t *target;
    rank_ctx rc;
    float loss;
} job;

static void *run_rank(void *arg)
{
    job *j = arg;
    ddad_reducer red = {lockstep_sum, &j->rc};
    size_t off = (size_t)j->rc.rank * PER_RANK;
    j->loss = ddad_refine_forward_backward(j->net, j->in + off * CIN * H * W, j->target + off * H * W, PER_RANK,
                                           RANKS * PER_RANK, &red);
    return NULL;
}

int main(void)
{
    ddad_nn_set_threads(1);
    const int N = RANKS * PER_RANK;
    float *in = malloc(sizeof(float) * N * CIN * H * W);
    uint8_t *target = malloc((size_t)N * H * W);
    ddad_rng rng;
    ddad_rng_init(&rng, 7, DDAD_MOD_REFINE, 0, DDAD_RNG_TEST, 0);
    for (int i = 0; i < N * CIN * H * W; i++) in[i] = ddad_rng_uniformf(&rng);
    for (int i = 0; i < N * H * W; i++) target[i] = ddad_rng_uniformf(&rng) < 0.3f;

    ddad_refine *full = ddad_refine_create(CIN, H, W, N, 1);
    ddad_refine_init(full, 11);
    float loss_full = ddad_refine_forward_backward(full, in, target, N, N, NULL);
    ddad_paramset *pf = ddad_refine_paramset(full);

    lockstep ls;
    pthread_barrier_init(&ls.barrier, NULL, RANKS);
    job jobs[RANKS];
    pthread_t th[RANKS];
    for (int r = 0; r < RANKS; r++) {
        jobs[r].net = ddad_refine_create(CIN, H, W, PER_RANK, 1);
        ddad_refine_init(jobs[r].net, 11);
        jobs[r].in = in;
        jobs[r].target = target;
        jobs[r].rc.ls = &ls;
        jobs[r].rc.rank = r;
        pthread_create(&th[r], NULL, run_rank, &jobs[r]);
    }
    for (int r = 0; r < RANKS; r++) pthread_join(th[r], NULL);

    int fail = 0;
    double loss_sum = 0;
    for (int r = 0; r < RANKS; r++) loss_sum += jobs[r].loss;
    double le = fabs(loss_sum - loss_full) / fabs(loss_full);
    printf("loss: full %.8g, sum over ranks %.8g, rel %.2e\n", loss_full, loss_sum, le);
    fail |= !(le <= 1e-6);
    for (int t = 0; t < pf->n_param_desc; t++) {
        const ddad_tensor_desc *d = &pf->param_desc[t];
        double maxb = 0, maxd = 0;
        for (size_t i = 0; i < d->count; i++) {
            double s = 0;
            for (int r = 0; r < RANKS; r++) s += ddad_refine_paramset(jobs[r].net)->grads[d->offset + i];
            double b = pf->grads[d->offset + i];
            if (fabs(b) > maxb) maxb = fabs(b);
            if (!(fabs(s - b) <= maxd)) maxd = fabs(s - b);
        }
        /* biases before BatchNorm have zero gradient: compare with the largest gradient */
        double rel = maxd / (maxb > 1e-3 ? maxb : 1e-3);
        printf("grad %-16s rel %.2e %s\n", d->name, rel, rel <= 1e-5 ? "ok" : "FAIL");
        fail |= !(rel <= 1e-5);
    }
    for (int r = 0; r < RANKS; r++) {
        ddad_paramset *pr = ddad_refine_paramset(jobs[r].net);
        double maxd = 0;
        for (size_t i = 0; i < pf->n_buffers; i++) {
            double e = fabs(pr->buffers[i] - pf->buffers[i]) / (fabs(pf->buffers[i]) + 1e-6);
            if (!(e <= maxd)) maxd = e;
        }
        printf("rank %d running stats rel %.2e %s\n", r, maxd, maxd <= 1e-5 ? "ok" : "FAIL");
        fail |= !(maxd <= 1e-5);
        ddad_refine_free(jobs[r].net);
    }
    ddad_refine_free(full);
    pthread_barrier_destroy(&ls.barrier);
    free(in);
    free(target);
    printf("%s\n", fail ? "FAILED" : "passed");
    return fail;
}

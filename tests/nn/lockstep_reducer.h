/* Simulated ranks for the nn tests: RANKS threads in lockstep, and a ddad_reducer that sums
 * the ranks' buffers in rank order (what MPI_Allreduce does across processes).
 * Define RANKS before including. */
#ifndef DDAD_TESTS_LOCKSTEP_REDUCER_H
#define DDAD_TESTS_LOCKSTEP_REDUCER_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifndef RANKS
#error "define RANKS before including lockstep_reducer.h"
#endif

typedef struct {
    pthread_barrier_t barrier;
    double *slot[RANKS];
} lockstep;

typedef struct {
    lockstep *ls;
    int rank;
} rank_ctx;

/* Every rank posts its buffer, waits, then sums all slots in rank order. */
static void lockstep_sum(double *buf, int n, void *ctx)
{
    rank_ctx *rc = ctx;
    lockstep *ls = rc->ls;
    ls->slot[rc->rank] = buf;
    pthread_barrier_wait(&ls->barrier);
    double *sum = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int r = 0; r < RANKS; r++) s += ls->slot[r][i];
        sum[i] = s;
    }
    pthread_barrier_wait(&ls->barrier);   /* everyone has read the slots */
    memcpy(buf, sum, sizeof(double) * n);
    free(sum);
}

#endif

/* The hook through which BatchNorm sums its per-channel statistics across ranks
 * (synchronised BatchNorm). NULL means one rank: the ordinary BatchNorm. */
#ifndef DDAD_NN_REDUCER_H
#define DDAD_NN_REDUCER_H

/* Sums buf[0..n) over all ranks in place. NULL means one rank. */
typedef struct {
    void (*allreduce_sum)(double *buf, int n, void *ctx);
    void *ctx;
} ddad_reducer;

#endif

/* The small network and run whose files the run-files harness reads, shared with the seed
 * maker: a paramset of a few tensors in the layout of a real one (weights, a BatchNorm's
 * running statistics and counter, Adam moments), and the score file's image size. */
#ifndef DDAD_FUZZ_NET_H
#define DDAD_FUZZ_NET_H

#include "model/paramset.h"

#define FUZZ_KEY_MEMBERS "network=AE mp=1 ls=2 img_size=4 seed=0"
#define FUZZ_KEY_REFINE FUZZ_KEY_MEMBERS " r_input=dual"
#define FUZZ_EPOCHS 3      /* the run's epoch count: checkpoints may hold at most this many */
#define FUZZ_SCORE_IMG 4   /* score maps are FUZZ_SCORE_IMG x FUZZ_SCORE_IMG */

/* Builds and allocates the paramset (with Adam moments when training). */
void fuzz_net_build(ddad_paramset *ps, int training);

#endif

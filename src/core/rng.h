/* Counter-based random numbers (Philox4x32-10).
 *
 * A stream is keyed by (seed, module, member, purpose, substream), so what a member draws
 * depends only on who it is, never on which rank runs it or in what order. The state is a
 * plain struct: checkpoints save it as bytes and a resumed run continues bit-identically. */
#ifndef DDAD_CORE_RNG_H
#define DDAD_CORE_RNG_H

#include <stdint.h>

/* Who draws. */
enum { DDAD_MOD_NDM = 0, DDAD_MOD_UDM = 1, DDAD_MOD_REFINE = 2, DDAD_MOD_DATA = 3 };

/* What for. */
enum {
    DDAD_RNG_INIT = 1,      /* parameter initialisation */
    DDAD_RNG_SHUFFLE = 2,   /* epoch data order */
    DDAD_RNG_FPI = 3,       /* foreign patch interpolation, one substream per sample */
    DDAD_RNG_SYNTH = 4,     /* synthetic dataset generation */
    DDAD_RNG_TEST = 5       /* tests and benchmarks */
};

typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    uint32_t pos;           /* next unused word of buf; 4 = empty */
} ddad_rng;

void ddad_rng_init(ddad_rng *r, uint64_t seed, uint32_t module, uint32_t member, uint32_t purpose,
                   uint64_t substream);

uint32_t ddad_rng_u32(ddad_rng *r);
uint64_t ddad_rng_u64(ddad_rng *r);
double ddad_rng_uniform(ddad_rng *r);              /* [0, 1), 53 bits */
float ddad_rng_uniformf(ddad_rng *r);              /* [0, 1), 24 bits */
int64_t ddad_rng_randint(ddad_rng *r, int64_t lo, int64_t hi);   /* [lo, hi), unbiased; hi > lo */
double ddad_rng_normal(ddad_rng *r);               /* standard normal (Box-Muller) */
/* Fisher-Yates shuffle of idx[0..n). */
void ddad_rng_shuffle(ddad_rng *r, int64_t *idx, int64_t n);

#endif

/* Split-invariant sums. Data-parallel training adds per-sample partial sums (BatchNorm
 * statistics, gradients) first on each rank and then across ranks, so the grouping of
 * the additions depends on how the batch is split. Each sample's partial sum is therefore
 * rounded to DDAD_SUM_GRAIN_BITS significant bits before it joins a double sum: adding
 * such values is exact (no rounding at all) while the batch's values lie within 2^11 of
 * each other in magnitude and there are at most 64 of them, so the double total is the
 * same bits for any grouping, any rank count and any reduction order. The grain costs
 * 2^-36 (1.5e-11) of relative precision per sample. */
#ifndef DDAD_NN_SUM_GRAIN_H
#define DDAD_NN_SUM_GRAIN_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define DDAD_SUM_GRAIN_BITS 36

/* v rounded to DDAD_SUM_GRAIN_BITS significant bits (ties away from zero), on the bits
 * of the double, so that no compiler contraction can change it. */
static inline double ddad_sum_grain(double v)
{
    if (!isfinite(v)) return v;   /* NaN and infinities pass unchanged */
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    const int drop = 53 - DDAD_SUM_GRAIN_BITS;
    u = (u + (1ull << (drop - 1))) & ~((1ull << drop) - 1);
    memcpy(&v, &u, sizeof v);
    return v;
}

#endif

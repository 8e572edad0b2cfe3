/* sum_grain.h: grained per-sample values add up to the same double whatever the grouping
 * (the property that makes the refiner's cross-rank sums split-invariant), and the grain
 * changes a value by at most 2^-36 of itself. Also shows the ungrained sums do differ. */
#include <math.h>
#include <stdio.h>

#include "../test_check.h"
#include "core/rng.h"
#include "nn/sum_grain.h"

#define N 64

/* Sum of v[0..n) as ranks would: consecutive groups of the given sizes, each summed in
 * order, then the group sums summed in order. */
static double grouped(const double *v, const int *sizes, int groups)
{
    double total = 0.0;
    int at = 0;
    for (int g = 0; g < groups; g++) {
        double s = 0.0;
        for (int i = 0; i < sizes[g]; i++) s += v[at++];
        total += s;
    }
    return total;
}

int main(void)
{
    ddad_rng r;
    ddad_rng_init(&r, 3, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 7);
    const int one[1] = {N}, two[2] = {32, 32}, three[3] = {22, 21, 21}, odd[5] = {1, 7, 30, 2, 24};
    int raw_differs = 0;
    for (int trial = 0; trial < 200; trial++) {
        double raw[N], gr[N];
        /* per-sample sums of one channel: similar magnitudes (within 2^8), both signs */
        for (int i = 0; i < N; i++) {
            double mag = ldexp(1.0 + ddad_rng_uniform(&r), (int)(8 * ddad_rng_uniform(&r)) - 4 + trial % 40);
            raw[i] = (ddad_rng_uniform(&r) < 0.5 ? -mag : mag) * (1.0 + 1e-9 * i);
            gr[i] = ddad_sum_grain(raw[i]);
            CHECK(fabs(gr[i] - raw[i]) <= ldexp(fabs(raw[i]), -36), "grain moved %.17g to %.17g", raw[i], gr[i]);
        }
        double a = grouped(gr, one, 1), b = grouped(gr, two, 2), c = grouped(gr, three, 3), d = grouped(gr, odd, 5);
        CHECK(a == b && a == c && a == d, "trial %d: grained sums differ: %.17g %.17g %.17g %.17g", trial, a, b, c, d);
        raw_differs += grouped(raw, one, 1) != grouped(raw, three, 3) || grouped(raw, one, 1) != grouped(raw, odd, 5);
    }
    /* the test can fail: without the grain the groupings disagree */
    CHECK(raw_differs > 0, "ungrained sums never differed: the test would not notice a broken grain");
    EXPECT(ddad_sum_grain(0.0) == 0.0);
    EXPECT(ddad_sum_grain(-1.5) == -1.5);
    EXPECT(isnan(ddad_sum_grain(NAN)));
    EXPECT(isinf(ddad_sum_grain(INFINITY)) && ddad_sum_grain(-INFINITY) < 0);
    EXPECT(ddad_sum_grain(1.7976931348623157e308) == 1.7976931348623157e308 ||
           isinf(ddad_sum_grain(1.7976931348623157e308)));
    printf("grained sums: identical for every grouping (ungrained differed in %d of 200 trials)\n", raw_differs);
    return failures != 0;
}

/* Core utilities: the counter-based RNG is deterministic, keyed, and uniform enough;
 * temporary-file commit works. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/util.h"

#include "../test_check.h"

int main(void)
{
    ddad_rng a, b, c;
    ddad_rng_init(&a, 42, DDAD_MOD_UDM, 2, DDAD_RNG_INIT, 0);
    ddad_rng_init(&b, 42, DDAD_MOD_UDM, 2, DDAD_RNG_INIT, 0);
    ddad_rng_init(&c, 42, DDAD_MOD_UDM, 1, DDAD_RNG_INIT, 0);
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = ddad_rng_u32(&a), y = ddad_rng_u32(&b), z = ddad_rng_u32(&c);
        same_ab &= x == y;
        same_ac &= x == z;
    }
    EXPECT(same_ab);
    EXPECT(!same_ac);

    /* state is plain bytes: a copy continues identically */
    ddad_rng snap = a;
    uint32_t next = ddad_rng_u32(&a);
    EXPECT(ddad_rng_u32(&snap) == next);

    /* uniform mean and variance */
    double s = 0, s2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = ddad_rng_uniform(&b);
        EXPECT(u >= 0.0 && u < 1.0);
        s += u;
        s2 += u * u;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    EXPECT(fabs(mean - 0.5) < 0.005);
    EXPECT(fabs(var - 1.0 / 12) < 0.002);

    /* randint covers [lo, hi) and nothing else */
    int hist[5] = {0};
    for (int i = 0; i < 50000; i++) {
        int64_t k = ddad_rng_randint(&c, 3, 8);
        EXPECT(k >= 3 && k < 8);
        if (k >= 3 && k < 8) hist[k - 3]++;
    }
    for (int i = 0; i < 5; i++) EXPECT(abs(hist[i] - 10000) < 500);

    /* shuffle is a permutation */
    int64_t idx[100];
    int seen[100] = {0};
    for (int i = 0; i < 100; i++) idx[i] = i;
    ddad_rng_shuffle(&c, idx, 100);
    for (int i = 0; i < 100; i++) seen[idx[i]]++;
    for (int i = 0; i < 100; i++) EXPECT(seen[i] == 1);

    /* tmp + rename */
    char dir[] = "/tmp/ddad_core_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char final_path[512], tmp[600];
    snprintf(final_path, sizeof final_path, "%s/sub/out.txt", dir);
    snprintf(tmp, sizeof tmp, "%s/sub", dir);
    EXPECT(ddad_mkdirs(tmp) == 0);
    ddad_tmp_path(final_path, tmp, sizeof tmp);
    FILE *f = fopen(tmp, "w");
    EXPECT(f != NULL);
    if (f) { fputs("x", f); fclose(f); }
    EXPECT(!ddad_file_exists(final_path));
    EXPECT(ddad_commit_file(tmp, final_path) == 0);
    EXPECT(ddad_file_exists(final_path) && !ddad_file_exists(tmp));
    unlink(final_path);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("core: all checks passed\n");
    return 0;
}

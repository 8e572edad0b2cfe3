/* Which ranks share a GPU (cuda/gpu_group.h), from device UUIDs: every rank on its own
 * GPU, four ranks on two GPUs round-robin, all on one GPU (the one-GPU node, or per-rank
 * binding of one device), and ranks whose ordinals differ but whose GPU is the same. */
#include <string.h>

#include "../test_check.h"
#include "cuda/gpu_group.h"

/* uuids for n ranks: rank r's GPU is gpu[r] */
static void make(unsigned char *u, const int *gpu, int n)
{
    memset(u, 0, (size_t)n * DDAD_GPU_UUID_BYTES);
    for (int r = 0; r < n; r++) {
        u[(size_t)r * DDAD_GPU_UUID_BYTES] = 0x5a;
        u[(size_t)r * DDAD_GPU_UUID_BYTES + 15] = (unsigned char)gpu[r];   /* differ in the last byte */
    }
}

static void expect_groups(const char *what, const int *gpu, int n, const int *group, const int *sharing)
{
    unsigned char u[8 * DDAD_GPU_UUID_BYTES];
    make(u, gpu, n);
    for (int r = 0; r < n; r++) {
        int s = 0;
        const int g = ddad_gpu_group(u, n, r, &s);
        CHECK(g == group[r] && s == sharing[r], "%s: rank %d in group %d sharing %d, expected %d and %d", what, r, g, s,
              group[r], sharing[r]);
    }
    printf("%s: ok\n", what);
}

int main(void)
{
    const int own[4] = {0, 1, 2, 3}, own_g[4] = {0, 1, 2, 3}, own_s[4] = {1, 1, 1, 1};
    expect_groups("one GPU per rank", own, 4, own_g, own_s);
    const int rr[4] = {0, 1, 0, 1}, rr_g[4] = {0, 1, 0, 1}, rr_s[4] = {2, 2, 2, 2};
    expect_groups("4 ranks on 2 GPUs", rr, 4, rr_g, rr_s);
    const int one[3] = {7, 7, 7}, one_g[3] = {0, 0, 0}, one_s[3] = {3, 3, 3};
    expect_groups("3 ranks on 1 GPU", one, 3, one_g, one_s);
    const int odd[5] = {3, 1, 3, 2, 1}, odd_g[5] = {0, 1, 0, 3, 1}, odd_s[5] = {2, 2, 2, 1, 2};
    expect_groups("uneven", odd, 5, odd_g, odd_s);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}

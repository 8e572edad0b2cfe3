/* The GPU chunk size of the score and eval stages and the refiner's prep blocks
 * (cuda/gpu_chunk.h): the smallest bound, never 0, and the DDAD_GPU_CHUNK override, which
 * may only lower it. */
#include <stdlib.h>

#include "../test_check.h"
#include "cuda/gpu_chunk.h"

static void expect_n(const char *env, size_t max_chunk, size_t fit, size_t count, int want)
{
    if (env)
        setenv("DDAD_GPU_CHUNK", env, 1);
    else
        unsetenv("DDAD_GPU_CHUNK");
    int got = ddad_gpu_chunk(max_chunk, fit, count);
    CHECK(got == want, "DDAD_GPU_CHUNK=%s, max %zu, fit %zu, count %zu: %d, expected %d", env ? env : "(unset)",
          max_chunk, fit, count, got, want);
}

static void expect(const char *env, size_t max_chunk, size_t fit, int want)
{
    expect_n(env, max_chunk, fit, 1000000, want);
}

int main(void)
{
    expect(NULL, 256, 4096, 256);    /* 64x64 images: the count bound */
    expect(NULL, 256, 16, 16);       /* 256x256: the memory bound */
    expect(NULL, 256, 0, 1);         /* huge images: one at a time */
    expect("5", 256, 4096, 5);       /* the tests' override */
    expect("5", 256, 3, 3);          /* which never raises it */
    expect("0", 256, 4096, 256);     /* not a positive integer: ignored */
    expect("-2", 256, 4096, 256);
    expect("7x", 256, 4096, 256);
    expect("", 256, 4096, 256);
    expect_n(NULL, 256, 4096, 6, 6);   /* 6 images to score: buffers for 6 */
    expect_n(NULL, 256, 16, 100, 16);  /* the memory bound below the count */
    expect_n(NULL, 256, 4096, 0, 1);   /* nothing to do: still at least 1 */
    expect_n("5", 256, 4096, 3, 3);    /* the override never raises it */
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}

/* The score and eval stages' GPU chunk size (cuda/gpu_chunk.h): the smaller bound, never
 * 0, and the DDAD_GPU_CHUNK override, which may only lower it. */
#include <stdlib.h>

#include "../test_check.h"
#include "cuda/gpu_chunk.h"

static void expect(const char *env, size_t max_chunk, size_t fit, int want)
{
    if (env)
        setenv("DDAD_GPU_CHUNK", env, 1);
    else
        unsetenv("DDAD_GPU_CHUNK");
    int got = ddad_gpu_chunk(max_chunk, fit);
    CHECK(got == want, "DDAD_GPU_CHUNK=%s, max %zu, fit %zu: %d, expected %d", env ? env : "(unset)", max_chunk, fit,
          got, want);
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
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}

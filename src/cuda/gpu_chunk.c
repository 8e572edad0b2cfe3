#include "cuda/gpu_chunk.h"

#include <stdlib.h>

int ddad_gpu_chunk(size_t max_chunk, size_t fit_chunk, size_t count)
{
    size_t n = fit_chunk < max_chunk ? fit_chunk : max_chunk;
    if (count < n) n = count;
    const char *env = getenv("DDAD_GPU_CHUNK");
    if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && (size_t)v < n) n = (size_t)v;
    }
    if (n < 1) n = 1;
    if (n > ((size_t)1 << 20)) n = (size_t)1 << 20;
    return (int)n;
}

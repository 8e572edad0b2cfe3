/* How many images the score and eval stages put through the GPU at once, and the refiner
 * trainer's prep blocks (refine_job_gpu.c). Host code. */
#ifndef DDAD_CUDA_GPU_CHUNK_H
#define DDAD_CUDA_GPU_CHUNK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* min(max_chunk, fit_chunk, count) and at least 1; fit_chunk is the caller's memory bound,
 * count the items there are to put through (the buffers are sized by the chunk, so no
 * larger than that). DDAD_GPU_CHUNK=n in the environment lowers it to n (tests: several
 * chunks and a partial last one on a small test set); values that are not a positive
 * integer are ignored. */
int ddad_gpu_chunk(size_t max_chunk, size_t fit_chunk, size_t count);

#ifdef __cplusplus
}
#endif

#endif

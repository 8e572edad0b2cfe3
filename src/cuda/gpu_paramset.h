/* A paramset's buffers on the device (params, grads, Adam moments, BatchNorm buffers and
 * the two counters), laid out exactly as the host paramset. Internal to src/cuda. */
#ifndef DDAD_CUDA_GPU_PARAMSET_H
#define DDAD_CUDA_GPU_PARAMSET_H

#include <stdint.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "model/paramset.h"

typedef struct {
    const ddad_paramset *layout;   /* host descriptors */
    int training;
    float *params, *grads, *m, *v, *buffers;
    int64_t *counters;             /* [0] Adam step, [1] BatchNorm num_batches_tracked */
} ddad_gpu_paramset;

void ddad_gpu_paramset_alloc(ddad_gpu_paramset *d, const ddad_paramset *layout, int training, const char *what);
void ddad_gpu_paramset_release(ddad_gpu_paramset *d);
void ddad_gpu_paramset_upload(ddad_gpu_ctx *ctx, ddad_gpu_paramset *d, const ddad_paramset *src, const char *what);
void ddad_gpu_paramset_download(ddad_gpu_ctx *ctx, const ddad_gpu_paramset *d, ddad_paramset *dst, const char *what);
/* Device pointers of a named tensor (fatal when absent). */
float *ddad_gpu_param(const ddad_gpu_paramset *d, const char *name);
float *ddad_gpu_grad(const ddad_gpu_paramset *d, const char *name);
float *ddad_gpu_buffer(const ddad_gpu_paramset *d, const char *name);
/* counters[1] += 1 on the device (a train-mode forward). */
void ddad_gpu_count_batch(ddad_gpu_ctx *ctx, ddad_gpu_paramset *d);

#ifdef __cplusplus
}
#endif

#endif

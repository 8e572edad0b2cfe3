/* The device-side counterpart of nn/reducer.h: sums a device buffer of doubles over all
 * ranks in place, ordered after the work already enqueued on `stream` and before anything
 * enqueued on it afterwards. NULL (or a NULL function) means one rank. */
#ifndef DDAD_CUDA_REDUCER_GPU_H
#define DDAD_CUDA_REDUCER_GPU_H

#include <cuda_runtime_api.h>

typedef struct {
    void (*allreduce_sum)(double *dev_buf, int n, cudaStream_t stream, void *ctx);
    void *ctx;
} ddad_gpu_reducer;

#endif

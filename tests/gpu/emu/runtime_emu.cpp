// For the emulated model files (ae_gpu.cu, refine_gpu.cu, gpu_paramset.cu) and the model
// tests: the few CUDA runtime calls they make, on host memory (one stream, so copies and
// fills happen at once, in order, and synchronisation has nothing to wait for), and the
// project's device-memory and context helpers (device.h, gpu_ctx.h) on the heap. The test
// executables also link libcudart (through the library's interface), but a definition in
// the executable's own objects takes precedence, so these are the ones called.
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "cuda/c_api.h"
#include "cuda/device.h"
#include "cuda/gpu_ctx.h"

extern "C" {

cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
    (void)kind;
    memmove(dst, src, count);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    (void)stream;
    return cudaMemcpy(dst, src, count, kind);
}

cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t height,
                              enum cudaMemcpyKind kind, cudaStream_t stream)
{
    (void)kind, (void)stream;
    for (size_t r = 0; r < height; r++) memmove((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *dst, int value, size_t count)
{
    memset(dst, value, count);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *dst, int value, size_t count, cudaStream_t stream)
{
    (void)stream;
    return cudaMemset(dst, value, count);
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream)
{
    (void)stream;
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }

cudaError_t cudaFree(void *p)
{
    free(p);
    return cudaSuccess;
}

void *ddad_gpu_malloc(size_t bytes, const char *what) { return ddad_malloc(bytes ? bytes : 1, what); }

void ddad_gpu_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}

void ddad_gpu_ctx_sync(ddad_gpu_ctx *ctx) { (void)ctx; }

float ddad_gpu_read_float(ddad_gpu_ctx *ctx, const float *d_value)
{
    (void)ctx;
    return *d_value;
}

}   // extern "C"

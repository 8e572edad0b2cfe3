// For the emulated model files and the model tests: the CUDA runtime's copies and fills on
// host memory, and the project's device-memory helpers (device.h) on the heap. Work on a
// stream goes through ddad_emu_enqueue (streams_emu.cpp): done at once, or recorded while
// the stream is captured; the synchronous calls CUDA refuses during a capture end the run.
// The test executables also link libcudart (through the library's interface), but a
// definition in the executable's own objects takes precedence, so these are the ones called.
#include "simt_emu.h"   // first: it defines the launch macros

#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "cuda/c_api.h"
#include "cuda/device.h"

extern "C" {

cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
    (void)kind;
    ddad_emu_no_capture("cudaMemcpy");
    memmove(dst, src, count);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    (void)kind;
    ddad_emu_enqueue(stream, "cudaMemcpyAsync", [=]() { memmove(dst, src, count); });
    return cudaSuccess;
}

cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t height,
                              enum cudaMemcpyKind kind, cudaStream_t stream)
{
    (void)kind;
    ddad_emu_enqueue(stream, "cudaMemcpy2DAsync", [=]() {
        for (size_t r = 0; r < height; r++) memmove((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
    });
    return cudaSuccess;
}

cudaError_t cudaMemset(void *dst, int value, size_t count)
{
    ddad_emu_no_capture("cudaMemset");
    memset(dst, value, count);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *dst, int value, size_t count, cudaStream_t stream)
{
    ddad_emu_enqueue(stream, "cudaMemsetAsync", [=]() { memset(dst, value, count); });
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream)
{
    (void)stream;
    ddad_emu_no_capture("cudaStreamSynchronize");
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
    ddad_emu_no_capture("cudaDeviceSynchronize");
    return cudaSuccess;
}

cudaError_t cudaFree(void *p)
{
    ddad_emu_no_capture("cudaFree");
    free(p);
    return cudaSuccess;
}

void *ddad_gpu_malloc(size_t bytes, const char *what)
{
    ddad_emu_no_capture("ddad_gpu_malloc (cudaMalloc)");
    return ddad_malloc(bytes ? bytes : 1, what);
}

void ddad_gpu_free(void *p, size_t bytes)
{
    (void)bytes;
    ddad_emu_no_capture("ddad_gpu_free (cudaFree)");
    free(p);
}

}   // extern "C"

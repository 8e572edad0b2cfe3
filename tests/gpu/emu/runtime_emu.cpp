// For the emulated model files, the tests and the emulated job: the CUDA runtime's
// devices, allocation, copies and fills, on host memory. Work on a stream goes through
// ddad_emu_enqueue (streams_emu.cpp): done at once, or recorded while the stream is
// captured; the synchronous calls CUDA refuses during a capture end the run.
// The test executables also link libcudart (through the library's interface), but a
// definition in the executable's own objects takes precedence, so these are the ones called.
#include "simt_emu.h"   // first: it defines the launch macros

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unordered_map>

#include <cuda_runtime_api.h>

// Device memory: DDAD_EMU_MEM_MIB (default 16 GiB) for each process, so that a job can be
// run out of it (pipeline.emu_out_of_memory); the live allocations and their sizes.
static size_t emu_mem_capacity(void)
{
    static size_t cap = 0;
    if (!cap) {
        cap = (size_t)16 << 30;
        const char *env = getenv("DDAD_EMU_MEM_MIB");
        if (env && *env) {
            char *end = NULL;
            long v = strtol(env, &end, 10);
            if (*end == '\0' && v > 0) cap = (size_t)v << 20;
        }
    }
    return cap;
}
static std::unordered_map<void *, size_t> g_allocations;
static size_t g_allocated;

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
    if (!p) return cudaSuccess;
    ddad_emu_no_capture("cudaFree");
    auto it = g_allocations.find(p);
    if (it == g_allocations.end()) return cudaErrorInvalidValue;
    g_allocated -= it->second;
    g_allocations.erase(it);
    free(p);
    return cudaSuccess;
}

// DDAD_EMU_GPUS emulated devices (default 1, at most 8), with device.cu's own discovery,
// placement and counted allocator on top: ranks on one device share it, and ranks on
// different devices take the "nccl" path of the GPU communicator (nccl_emu.cpp).
static int emu_devices(void)
{
    const char *env = getenv("DDAD_EMU_GPUS");
    const int n = env ? atoi(env) : 1;
    return n < 1 ? 1 : n > 8 ? 8 : n;
}

static int g_device;

cudaError_t cudaGetDeviceCount(int *count)
{
    *count = emu_devices();
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device)
{
    if (device < 0 || device >= emu_devices()) return cudaErrorInvalidDevice;
    g_device = device;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int *device)
{
    *device = g_device;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int device)
{
    if (device < 0 || device >= emu_devices()) return cudaErrorInvalidDevice;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "CPU emulator");
    p->uuid.bytes[0] = (char)(device + 1);   // the devices are told apart by their UUIDs
    p->major = 9;
    p->minor = 0;
    p->multiProcessorCount = 1;
    p->totalGlobalMem = emu_mem_capacity();
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
    if (device < 0 || device >= emu_devices()) return cudaErrorInvalidDevice;
    *value = attr == cudaDevAttrMultiProcessorCount ? 1 : 0;
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes)
{
    *total_bytes = emu_mem_capacity();
    *free_bytes = *total_bytes - g_allocated;
    return cudaSuccess;
}

cudaError_t cudaGetLastError(void) { return cudaSuccess; }   // launches are checked by DDAD_CHECK_LAUNCH

cudaError_t cudaMalloc(void **p, size_t bytes)
{
    ddad_emu_no_capture("cudaMalloc");
    *p = NULL;
    if (bytes > emu_mem_capacity() - g_allocated) return cudaErrorMemoryAllocation;
    *p = malloc(bytes ? bytes : 1);
    if (!*p) return cudaErrorMemoryAllocation;
    g_allocations[*p] = bytes;
    g_allocated += bytes;
    return cudaSuccess;
}

}   // extern "C"

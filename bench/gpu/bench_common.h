/* Shared by the GPU benchmarks: event timing (median of repeats), result lines that
 * bench/gpu-check.sh collects ("RESULT <name> <value> <unit>"), random device data. */
#ifndef DDAD_BENCH_GPU_COMMON_H
#define DDAD_BENCH_GPU_COMMON_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif
#include "core/rng.h"
#ifdef __cplusplus
}
#endif
#include "cuda/cuda_check.h"
#include "cuda/device.h"

#define BENCH_SKIP 77

static inline int bench_skip(const char *name)
{
    if (ddad_gpu_count() > 0) return 0;
    char why[256];
    ddad_gpu_describe(why, sizeof why);
    printf("%s: SKIPPED: %s\n", name, why);
    return 1;
}

/* ||d - want|| / ||want|| of a device tensor against a host reference (each variant is
 * validated before it is timed); infinite when the device holds a non-finite value. */
static inline double bench_rel_err(const float *d, const float *want, size_t n)
{
    float *h = (float *)malloc(n * sizeof(float));
    if (!h) return INFINITY;
    DDAD_CHECK_CUDA(cudaDeviceSynchronize());
    DDAD_CHECK_CUDA(cudaMemcpy(h, d, n * sizeof(float), cudaMemcpyDeviceToHost));
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(h[i])) {
            free(h);
            return INFINITY;
        }
        num += ((double)h[i] - want[i]) * ((double)h[i] - want[i]);
        den += (double)want[i] * want[i];
    }
    free(h);
    return sqrt(num / den);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median over `reps` timings of `iters` calls of fn(arg) on `stream`, in ms per call: the
 * calls launched each time, or, when `exec` is given, one replay of that graph of them. */
static inline float bench_median(cudaStream_t stream, int reps, int iters, cudaGraphExec_t exec,
                                 void (*fn)(void *), void *arg)
{
    float t[64];
    if (reps > 64) reps = 64;
    cudaEvent_t a, b;
    DDAD_CHECK_CUDA(cudaEventCreate(&a));
    DDAD_CHECK_CUDA(cudaEventCreate(&b));
    for (int r = 0; r < reps; r++) {
        DDAD_CHECK_CUDA(cudaEventRecord(a, stream));
        if (exec)
            DDAD_CHECK_CUDA(cudaGraphLaunch(exec, stream));
        else
            for (int i = 0; i < iters; i++) fn(arg);
        DDAD_CHECK_CUDA(cudaEventRecord(b, stream));
        DDAD_CHECK_CUDA(cudaEventSynchronize(b));
        DDAD_CHECK_CUDA(cudaEventElapsedTime(&t[r], a, b));
        t[r] /= (float)iters;
    }
    DDAD_CHECK_CUDA(cudaEventDestroy(a));
    DDAD_CHECK_CUDA(cudaEventDestroy(b));
    qsort(t, (size_t)reps, sizeof(float), cmp_float);
    return t[reps / 2];
}

/* Eager launches: the host's launch cost is in the time. */
static inline float bench_time(cudaStream_t stream, int reps, int iters, void (*fn)(void *), void *arg)
{
    return bench_median(stream, reps, iters, NULL, fn, arg);
}

/* The same from a CUDA graph: `iters` calls of fn captured once (fn must be capturable:
 * no allocation or synchronisation; algorithm choices made by an earlier call), then
 * `reps` timed replays. The GPU's time without the host's launch cost, as the pipeline's
 * replayed steps see it. */
static inline float bench_time_graph(cudaStream_t stream, int reps, int iters, void (*fn)(void *), void *arg)
{
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    DDAD_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < iters; i++) fn(arg);
    DDAD_CHECK_CUDA(cudaStreamEndCapture(stream, &graph));
    DDAD_CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    DDAD_CHECK_CUDA(cudaGraphLaunch(exec, stream));   // warm-up replay
    float ms = bench_median(stream, reps, iters, exec, fn, arg);
    DDAD_CHECK_CUDA(cudaGraphExecDestroy(exec));
    DDAD_CHECK_CUDA(cudaGraphDestroy(graph));
    return ms;
}

static inline void bench_result(const char *name, double value, const char *unit)
{
    printf("RESULT %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}

/* A device copy of `bytes` of host memory, landed before it returns (the contexts'
 * non-blocking streams do not wait for the legacy stream). */
static inline void *bench_dev_copy(const void *h, size_t bytes)
{
    void *d = ddad_gpu_malloc(bytes, "bench data");
    DDAD_CHECK_CUDA(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice));
    DDAD_CHECK_CUDA(cudaDeviceSynchronize());
    return d;
}

static inline float *bench_dev_rand(ddad_rng *r, size_t n, float lo, float hi)
{
    float *h = (float *)malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) h[i] = lo + (hi - lo) * ddad_rng_uniformf(r);
    float *d = (float *)ddad_gpu_malloc(n * sizeof(float), "bench data");
    DDAD_CHECK_CUDA(cudaMemcpy(d, h, n * sizeof(float), cudaMemcpyHostToDevice));
    free(h);
    return d;
}

#endif

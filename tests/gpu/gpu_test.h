/* Helpers for the GPU tests: skip when no GPU is visible (exit code DDAD_TEST_SKIP, which
 * ctest reports as skipped), random inputs, NaN-poisoned outputs, device transfers and
 * the relative-error check ||gpu - cpu|| / ||cpu|| (NaN or Inf always fails).
 *
 * Built with DDAD_CUDA_EMU, the same tests run the project's kernels in the CPU emulator
 * (tests/gpu/emu): "device" memory is host memory, the context (gpu_ctx_emu.cpp) has a
 * stream but no library handles, graph capture is emulated, and nothing is skipped. */
#ifndef DDAD_TESTS_GPU_TEST_H
#define DDAD_TESTS_GPU_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/conv_plan.h"
#include "cuda/gpu_ctx.h"

#define DDAD_TEST_SKIP 77
#define TOL_FP32 1e-5
#define TOL_TF32 2e-3

static int g_failures, g_checks;
static ddad_rng g_rng;

/* Returns 1 (after printing why) when the test must be skipped. */
static inline int gpu_test_skip(const char *name)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   // a line at a time: a slow or stuck check shows where it is
#ifdef DDAD_CUDA_EMU
    printf("%s: the project's kernels in the CPU emulator\n", name);
    ddad_rng_init(&g_rng, 1234, 0, 0, DDAD_RNG_TEST, 0);
    return 0;
#else
    if (ddad_gpu_count() > 0) {
        char what[256];
        ddad_gpu_describe(what, sizeof what);
        printf("%s: %s\n", name, what);
        ddad_rng_init(&g_rng, 1234, 0, 0, DDAD_RNG_TEST, 0);
        return 0;
    }
    char why[256];
    ddad_gpu_describe(why, sizeof why);
    printf("%s: SKIPPED: %s\n", name, why);
    return 1;
#endif
}

static inline float *host_rand(size_t n, float lo, float hi)
{
    float *p = (float *)malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * ddad_rng_uniformf(&g_rng);
    return p;
}

static inline float *host_zeros(size_t n)
{
    float *p = (float *)calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    return p;
}

#ifdef DDAD_CUDA_EMU
/* Kernel launches so far (the emulator counts them; tests check how many a path takes). */
unsigned long long ddad_emu_launches(void);
#endif

/* In the emulator these run on its stand-ins for the runtime (tests/gpu/emu). */
static inline void *dev_alloc(size_t bytes) { return ddad_gpu_malloc(bytes, "test buffer"); }
static inline void dev_free(void *d) { DDAD_CHECK_CUDA(cudaFree(d)); }

/* After work on the default stream (cudaMemcpy from pageable memory may return before its
 * DMA lands; cudaMemset is asynchronous): the contexts' streams are non-blocking and do
 * not wait for it. */
static inline void dev_sync(void) { DDAD_CHECK_CUDA(cudaDeviceSynchronize()); }

static inline void dev_copy_in(void *d, const void *h, size_t bytes)
{
    DDAD_CHECK_CUDA(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice));
    dev_sync();
}

/* After the device's work so far. */
static inline void dev_copy_out(void *h, const void *d, size_t bytes)
{
    DDAD_CHECK_CUDA(cudaDeviceSynchronize());
    DDAD_CHECK_CUDA(cudaMemcpy(h, d, bytes, cudaMemcpyDeviceToHost));
}

static inline void dev_fill(void *d, int byte, size_t bytes)
{
    DDAD_CHECK_CUDA(cudaMemset(d, byte, bytes));
    dev_sync();
}

static inline float dev_read_float(ddad_gpu_ctx *ctx, const float *d) { return ddad_gpu_read_float(ctx, d); }
static inline ddad_gpu_ctx *test_ctx_create(ddad_gpu_precision p) { return ddad_gpu_ctx_create(p); }
static inline void test_ctx_set_precision(ddad_gpu_ctx *ctx, ddad_gpu_precision p)
{
    ddad_gpu_ctx_set_precision(ctx, p);
}
static inline void test_ctx_free(ddad_gpu_ctx *ctx) { ddad_gpu_ctx_free(ctx); }

static inline float *dev_upload(const float *h, size_t n)
{
    float *d = (float *)dev_alloc(n * sizeof(float));
    dev_copy_in(d, h, n * sizeof(float));
    return d;
}

/* A device buffer filled with NaN (every byte 0xFF): elements a kernel does not write stay NaN. */
static inline float *dev_poisoned(size_t n)
{
    float *d = (float *)dev_alloc(n * sizeof(float));
    dev_fill(d, 0xFF, n * sizeof(float));
    return d;
}

static inline void dev_poison(float *d, size_t n) { dev_fill(d, 0xFF, n * sizeof(float)); }

static inline float *dev_download(const float *d, size_t n)
{
    float *h = host_zeros(n);
    dev_copy_out(h, d, n * sizeof(float));
    return h;
}

static inline double rel_err(const float *got, const float *want, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) return INFINITY;
        double d = (double)got[i] - (double)want[i];
        num += d * d;
        den += (double)want[i] * want[i];
    }
    if (den == 0.0) return num == 0.0 ? 0.0 : INFINITY;
    return sqrt(num / den);
}

/* Compares a device tensor with a host reference; prints one line; counts failures. */
static inline double check_dev(const char *what, const float *d_got, const float *want, size_t n, double tol)
{
    float *got = dev_download(d_got, n);
    double e = rel_err(got, want, n);
    g_checks++;
    int ok = e <= tol;
    if (!ok) g_failures++;
    printf("  %-44s rel err %.3e (tol %.0e) %s\n", what, e, tol, ok ? "ok" : "FAIL");
    free(got);
    return e;
}

static inline void check_scalar(const char *what, double got, double want, double tol)
{
    double e = fabs(got - want) / (fabs(want) > 0 ? fabs(want) : 1.0);
    g_checks++;
    int ok = isfinite(got) && e <= tol;
    if (!ok) g_failures++;
    printf("  %-44s %.8g vs %.8g rel %.3e %s\n", what, got, want, e, ok ? "ok" : "FAIL");
}

static inline int gpu_test_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

#endif

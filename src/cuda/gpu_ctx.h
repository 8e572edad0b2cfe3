/* The per-rank GPU execution context: one compute stream, the cuBLAS and cuDNN handles
 * bound to it, the math mode, and the convolution plan cache with its preallocated
 * workspace. Every *_gpu function takes one and enqueues on ctx->stream; none of them
 * synchronises the host or allocates once the plans exist (so steps can be captured into
 * CUDA graphs after one warm-up run). */
#ifndef DDAD_CUDA_GPU_CTX_H
#define DDAD_CUDA_GPU_CTX_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exp.precision: fp32 keeps every product in IEEE float32 (cuDNN FMA math, no Winograd or
 * FFT algorithms, cuBLAS default math); tf32 lets cuDNN and cuBLAS use TF32 tensor cores. */
typedef enum { DDAD_PREC_FP32 = 0, DDAD_PREC_TF32 = 1 } ddad_gpu_precision;

#define DDAD_GPU_MAX_PLANS 256

typedef struct ddad_conv_plan ddad_conv_plan;

typedef struct {
    int device;
    cudaStream_t stream;
    cublasHandle_t cublas;
    cudnnHandle_t cudnn;
    ddad_gpu_precision precision;
    int find_algorithms;      /* 1: time cuDNN's algorithms once per shape (cudnn.benchmark); 0: heuristics */
    void *workspace;          /* shared by every convolution on this stream */
    size_t workspace_bytes;
    size_t workspace_limit;   /* largest workspace an algorithm may ask for */
    void *cublas_workspace;
    ddad_conv_plan *plans[DDAD_GPU_MAX_PLANS];
    int n_plans;
    double *scratch;          /* reduction partials (losses, norms), DDAD_GPU_SCRATCH doubles */
    unsigned *bn_tickets;     /* BatchNorm's one-launch statistics: DDAD_GPU_BN_TICKETS counters,
                                 zero between launches (each kernel resets what it used) */
    int sm_count;
} ddad_gpu_ctx;

#define DDAD_GPU_SCRATCH 65536
#define DDAD_GPU_BN_TICKETS 4096

/* Creates the stream and handles on the current device. */
ddad_gpu_ctx *ddad_gpu_ctx_create(ddad_gpu_precision precision);
void ddad_gpu_ctx_free(ddad_gpu_ctx *ctx);
/* Switches cuBLAS and cuDNN math modes; convolution plans are re-chosen on next use. */
void ddad_gpu_ctx_set_precision(ddad_gpu_ctx *ctx, ddad_gpu_precision precision);
/* Makes sure the shared workspace holds at least `bytes` (never call while capturing). */
void ddad_gpu_ctx_reserve(ddad_gpu_ctx *ctx, size_t bytes);
void ddad_gpu_ctx_sync(ddad_gpu_ctx *ctx);
/* Copies host memory to the device on ctx's stream and waits for it: data the context's
 * kernels will read. (A plain cudaMemcpy goes through the default stream, which ctx's
 * non-blocking stream does not wait for, and from pageable memory it may return before
 * the transfer lands.) */
void ddad_gpu_upload(ddad_gpu_ctx *ctx, void *d_dst, const void *src, size_t bytes);
/* Synchronous read of one device float (tests, logs; never inside a timed loop). */
float ddad_gpu_read_float(ddad_gpu_ctx *ctx, const float *d_value);
/* 1 while ctx->stream is being captured into a graph. */
int ddad_gpu_ctx_capturing(const ddad_gpu_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif

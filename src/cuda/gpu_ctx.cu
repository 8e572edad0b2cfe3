// The GPU execution context: stream, library handles, math mode, shared workspace.
#include "cuda/gpu_ctx.h"

#include <stdlib.h>

#include "cuda/c_api.h"
#include "cuda/conv_plan.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"

#define DDAD_CONV_WORKSPACE_DEFAULT ((size_t)64 << 20)
#define DDAD_CUBLAS_WORKSPACE ((size_t)32 << 20)

extern "C" ddad_gpu_ctx *ddad_gpu_ctx_create(ddad_gpu_precision precision)
{
    ddad_gpu_ctx *ctx = (ddad_gpu_ctx *)ddad_calloc(1, sizeof *ctx, "GPU context");
    DDAD_CHECK_CUDA(cudaGetDevice(&ctx->device));
    DDAD_CHECK_CUDA(cudaDeviceGetAttribute(&ctx->sm_count, cudaDevAttrMultiProcessorCount, ctx->device));
    DDAD_CHECK_CUDA(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking));
    DDAD_CHECK_CUBLAS(cublasCreate(&ctx->cublas));
    DDAD_CHECK_CUBLAS(cublasSetStream(ctx->cublas, ctx->stream));
    // A fixed cuBLAS workspace: no allocation inside graph capture.
    ctx->cublas_workspace = ddad_gpu_malloc(DDAD_CUBLAS_WORKSPACE, "cuBLAS workspace");
    DDAD_CHECK_CUBLAS(cublasSetWorkspace(ctx->cublas, ctx->cublas_workspace, DDAD_CUBLAS_WORKSPACE));
    DDAD_CHECK_CUBLAS(cublasSetPointerMode(ctx->cublas, CUBLAS_POINTER_MODE_HOST));
    DDAD_CHECK_CUDNN(cudnnCreate(&ctx->cudnn));
    DDAD_CHECK_CUDNN(cudnnSetStream(ctx->cudnn, ctx->stream));
    ctx->find_algorithms = 1;
    ctx->workspace_limit = DDAD_CONV_WORKSPACE_DEFAULT;
    const char *env = getenv("DDAD_CUDNN_WORKSPACE_MB");
    if (env && atoi(env) > 0) ctx->workspace_limit = (size_t)atoi(env) << 20;
    ddad_gpu_ctx_reserve(ctx, ctx->workspace_limit);
    ctx->scratch = (double *)ddad_gpu_malloc(sizeof(double) * DDAD_GPU_SCRATCH, "reduction scratch");
    ctx->bn_tickets = (unsigned *)ddad_gpu_malloc(sizeof(unsigned) * DDAD_GPU_BN_TICKETS, "BatchNorm tickets");
    DDAD_CHECK_CUDA(cudaMemsetAsync(ctx->bn_tickets, 0, sizeof(unsigned) * DDAD_GPU_BN_TICKETS, ctx->stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
    ddad_gpu_ctx_set_precision(ctx, precision);
    return ctx;
}

extern "C" void ddad_gpu_ctx_free(ddad_gpu_ctx *ctx)
{
    if (!ctx) return;
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
    for (int i = 0; i < ctx->n_plans; i++) ddad_conv_plan_free(ctx->plans[i]);
    ddad_gpu_free(ctx->workspace, ctx->workspace_bytes);
    ddad_gpu_free(ctx->cublas_workspace, DDAD_CUBLAS_WORKSPACE);
    ddad_gpu_free(ctx->scratch, sizeof(double) * DDAD_GPU_SCRATCH);
    ddad_gpu_free(ctx->bn_tickets, sizeof(unsigned) * DDAD_GPU_BN_TICKETS);
    DDAD_CHECK_CUDNN(cudnnDestroy(ctx->cudnn));
    DDAD_CHECK_CUBLAS(cublasDestroy(ctx->cublas));
    DDAD_CHECK_CUDA(cudaStreamDestroy(ctx->stream));
    free(ctx);
}

extern "C" void ddad_gpu_ctx_set_precision(ddad_gpu_ctx *ctx, ddad_gpu_precision precision)
{
    ctx->precision = precision;
    DDAD_CHECK_CUBLAS(cublasSetMathMode(ctx->cublas, precision == DDAD_PREC_TF32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                                 : CUBLAS_DEFAULT_MATH));
    for (int i = 0; i < ctx->n_plans; i++) ddad_conv_plan_forget_algorithms(ctx->plans[i]);
}

extern "C" void ddad_gpu_ctx_reserve(ddad_gpu_ctx *ctx, size_t bytes)
{
    if (bytes <= ctx->workspace_bytes) return;
    if (ddad_gpu_ctx_capturing(ctx))
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU workspace must grow to %zu bytes during graph capture: run the step once "
                                      "before capturing it", bytes);
    if (ctx->workspace) {
        DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
        ddad_gpu_free(ctx->workspace, ctx->workspace_bytes);
    }
    ctx->workspace = ddad_gpu_malloc(bytes, "convolution workspace");
    ctx->workspace_bytes = bytes;
}

// The GPU context (gpu_ctx.h) for the CPU emulator: a stream (streams_emu.cpp), the
// reduction scratch and BatchNorm tickets on the heap, and the plan cache of
// conv_plan_emu.cpp; no cuBLAS or cuDNN handles (gemm_emu.cpp and conv_plan_emu.cpp do
// not use them). It replaces all of gpu_ctx.cu, so that file's object is never linked;
// the stream helpers of gpu_ctx_stream.c run as they are.
#include "simt_emu.h"   // first: it defines the launch macros

#include <stdlib.h>
#include <string.h>

#include "cuda/c_api.h"
#include "cuda/conv_plan.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_ctx.h"

extern "C" {

ddad_gpu_ctx *ddad_gpu_ctx_create(ddad_gpu_precision precision)
{
    ddad_gpu_ctx *ctx = (ddad_gpu_ctx *)ddad_calloc(1, sizeof *ctx, "GPU context");
    DDAD_CHECK_CUDA(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking));
    ctx->precision = precision;
    ctx->find_algorithms = 1;
    ctx->scratch = (double *)ddad_gpu_malloc(sizeof(double) * DDAD_GPU_SCRATCH, "reduction scratch");
    ctx->bn_tickets = (unsigned *)ddad_gpu_malloc(sizeof(unsigned) * DDAD_GPU_BN_TICKETS, "BatchNorm tickets");
    memset(ctx->bn_tickets, 0, sizeof(unsigned) * DDAD_GPU_BN_TICKETS);
    return ctx;
}

void ddad_gpu_ctx_free(ddad_gpu_ctx *ctx)
{
    if (!ctx) return;
    for (int i = 0; i < ctx->n_plans; i++) ddad_conv_plan_free(ctx->plans[i]);
    ddad_gpu_free(ctx->scratch, sizeof(double) * DDAD_GPU_SCRATCH);
    ddad_gpu_free(ctx->bn_tickets, sizeof(unsigned) * DDAD_GPU_BN_TICKETS);
    DDAD_CHECK_CUDA(cudaStreamDestroy(ctx->stream));
    free(ctx);
}

void ddad_gpu_ctx_set_precision(ddad_gpu_ctx *ctx, ddad_gpu_precision precision) { ctx->precision = precision; }

void ddad_gpu_ctx_reserve(ddad_gpu_ctx *ctx, size_t bytes)
{
    (void)ctx, (void)bytes;   // the emulated convolutions need no workspace
}

}   // extern "C"

// The context's stream work that needs no library handle: synchronisation, the capture
// state, uploads and one-value reads (also what the CPU emulator's context uses).
#include "cuda/gpu_ctx.h"

#include "cuda/cuda_check.h"

void ddad_gpu_ctx_sync(ddad_gpu_ctx *ctx) { DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream)); }

int ddad_gpu_ctx_capturing(const ddad_gpu_ctx *ctx)
{
    enum cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
    DDAD_CHECK_CUDA(cudaStreamIsCapturing(ctx->stream, &st));
    return st != cudaStreamCaptureStatusNone;
}

void ddad_gpu_upload(ddad_gpu_ctx *ctx, void *d_dst, const void *src, size_t bytes)
{
    DDAD_CHECK_CUDA(cudaMemcpyAsync(d_dst, src, bytes, cudaMemcpyHostToDevice, ctx->stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
}

float ddad_gpu_read_float(ddad_gpu_ctx *ctx, const float *d_value)
{
    float v = 0.0f;
    DDAD_CHECK_CUDA(cudaMemcpyAsync(&v, d_value, sizeof v, cudaMemcpyDeviceToHost, ctx->stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
    return v;
}

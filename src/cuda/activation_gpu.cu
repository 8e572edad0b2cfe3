// ReLU and the per-pixel channel softmax, with the CPU reference's float expressions.
#include "cuda/activation_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"

__global__ void k_relu_fwd(size_t n, const float *__restrict__ x, float *__restrict__ y)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        float v = x[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

__global__ void k_relu_bwd(size_t n, const float *__restrict__ y, const float *dy, float *dx)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// One thread per (sample, pixel); channels are hw apart.
__global__ void k_softmax_fwd(int n, int c, int hw, const float *__restrict__ x, float *__restrict__ y)
{
    const size_t total = (size_t)n * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        size_t base = (t / hw) * (size_t)c * hw + t % hw;
        float m = x[base];
        for (int ch = 1; ch < c; ch++) m = fmaxf(m, x[base + (size_t)ch * hw]);
        float sum = 0.0f;
        for (int ch = 0; ch < c; ch++) {
            float e = expf(x[base + (size_t)ch * hw] - m);
            y[base + (size_t)ch * hw] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (int ch = 0; ch < c; ch++) y[base + (size_t)ch * hw] *= inv;
    }
}

__global__ void k_softmax_bwd(int n, int c, int hw, const float *__restrict__ y, const float *dy, float *dx)
{
    const size_t total = (size_t)n * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        size_t base = (t / hw) * (size_t)c * hw + t % hw;
        float dot = 0.0f;
        for (int ch = 0; ch < c; ch++) dot += y[base + (size_t)ch * hw] * dy[base + (size_t)ch * hw];
        for (int ch = 0; ch < c; ch++) {
            size_t k = base + (size_t)ch * hw;
            dx[k] = y[k] * (dy[k] - dot);
        }
    }
}

extern "C" void ddad_relu_forward_gpu(ddad_gpu_ctx *ctx, size_t count, const float *x, float *y)
{
    DDAD_LAUNCH(k_relu_fwd, ddad_blocks(count), DDAD_THREADS, ctx->stream, count, x, y);
    DDAD_CHECK_LAUNCH("relu");
}

extern "C" void ddad_relu_backward_gpu(ddad_gpu_ctx *ctx, size_t count, const float *y, const float *dy, float *dx)
{
    DDAD_LAUNCH(k_relu_bwd, ddad_blocks(count), DDAD_THREADS, ctx->stream, count, y, dy, dx);
    DDAD_CHECK_LAUNCH("relu backward");
}

extern "C" void ddad_softmax_channels_forward_gpu(ddad_gpu_ctx *ctx, int n, int c, int hw, const float *x, float *y)
{
    DDAD_LAUNCH(k_softmax_fwd, ddad_blocks((size_t)n * hw), DDAD_THREADS, ctx->stream, n, c, hw, x, y);
    DDAD_CHECK_LAUNCH("softmax");
}

extern "C" void ddad_softmax_channels_backward_gpu(ddad_gpu_ctx *ctx, int n, int c, int hw, const float *y,
                                                   const float *dy, float *dx)
{
    DDAD_LAUNCH(k_softmax_bwd, ddad_blocks((size_t)n * hw), DDAD_THREADS, ctx->stream, n, c, hw, y, dy, dx);
    DDAD_CHECK_LAUNCH("softmax backward");
}

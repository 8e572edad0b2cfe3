// Linear layers through cuBLAS. cuBLAS is column-major: a row-major matrix A [r][c] is the
// column-major A^T (c x r, leading dimension c), so each product is written transposed.
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/gemm_gpu.h"
#include "cuda/kernels.cuh"
#include "cuda/linear_gpu.h"

// y[i][o] = b[o]
__global__ void k_bias_fill(size_t total, int out, const float *__restrict__ b, float *__restrict__ y)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
        y[i] = b[i % out];
}

// db[o] = sum_i dy[i][o], one thread per output column, summed in double in row order.
__global__ void k_column_sum(int n, int out, const float *__restrict__ dy, float *__restrict__ db)
{
    int o = blockIdx.x * blockDim.x + threadIdx.x;
    if (o >= out) return;
    double acc = 0.0;
    for (int i = 0; i < n; i++) acc += dy[(size_t)i * out + o];
    db[o] = (float)acc;
}

extern "C" void ddad_linear_forward_gpu(ddad_gpu_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                                        const float *b, float *y)
{
    size_t total = (size_t)n * out;
    DDAD_LAUNCH(k_bias_fill, ddad_blocks(total), DDAD_THREADS, ctx->stream, total, out, b, y);
    DDAD_CHECK_LAUNCH("linear bias");
    // Y^T (out x n) = W (out x in) X^T (in x n): W is stored as W^T column-major, so op T.
    ddad_sgemm_gpu(ctx, 1, 0, out, n, in, 1.0f, w, in, 0, x, in, 0, 1.0f, y, out, 0, 1);
}

extern "C" void ddad_linear_backward_gpu(ddad_gpu_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                                         const float *dy, float *dx, float *dw, float *db)
{
    DDAD_LAUNCH(k_column_sum, (out + DDAD_THREADS - 1) / DDAD_THREADS, DDAD_THREADS, ctx->stream, n, out, dy, db);
    DDAD_CHECK_LAUNCH("linear bias gradient");
    // dW^T (in x out) = X^T (in x n) dY (n x out)
    ddad_sgemm_gpu(ctx, 0, 1, in, out, n, 1.0f, x, in, 0, dy, out, 0, 0.0f, dw, in, 0, 1);
    // dX^T (in x n) = W^T (in x out) dY^T (out x n)
    if (dx) ddad_sgemm_gpu(ctx, 0, 0, in, n, out, 1.0f, w, in, 0, dy, out, 0, 0.0f, dx, in, 0, 1);
}

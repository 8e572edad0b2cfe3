// Linear layers through cuBLAS. cuBLAS is column-major: a row-major matrix A [r][c] is the
// column-major A^T (c x r, leading dimension c), so each product is written transposed.
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
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
    const float one = 1.0f;
    DDAD_CHECK_CUBLAS(cublasSgemm(ctx->cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, in, x, in, &one, y, out));
}

extern "C" void ddad_linear_backward_gpu(ddad_gpu_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                                         const float *dy, float *dx, float *dw, float *db)
{
    const float one = 1.0f, zero = 0.0f;
    DDAD_LAUNCH(k_column_sum, (out + DDAD_THREADS - 1) / DDAD_THREADS, DDAD_THREADS, ctx->stream, n, out, dy, db);
    DDAD_CHECK_LAUNCH("linear bias gradient");
    // dW^T (in x out) = X^T (in x n) dY (n x out)
    DDAD_CHECK_CUBLAS(cublasSgemm(ctx->cublas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, n, &one, x, in, dy, out, &zero, dw,
                                  in));
    // dX^T (in x n) = W^T (in x out) dY^T (out x n)
    if (dx)
        DDAD_CHECK_CUBLAS(cublasSgemm(ctx->cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out, &one, w, in, dy, out, &zero,
                                      dx, in));
}

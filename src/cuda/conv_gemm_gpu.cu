// The GEMM convolution engine (conv_gemm_gpu.h): im2col, col2im and batch-sum kernels
// around ddad_sgemm_gpu. Layouts: x [N][C][H][W], w [K][C*KH*KW], y [N][K][OH*OW], and
// col [N][C*KH*KW][OH*OW] with row (c*KH + i)*KW + j holding x[n][c][oy*S - P + i][ox*S - P + j]
// (0 outside the image). cuBLAS is column-major, so a row-major [r][c] matrix is its
// column-major transpose, and each product below is written transposed.
#include "cuda/c_api.h"
#include "cuda/conv_gemm_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/gemm_gpu.h"
#include "cuda/kernels.cuh"

// Floats of the column buffer, rounded up to 64 (256 bytes) so that what follows is aligned.
static size_t col_floats(const ddad_conv_geom *g)
{
    size_t n = (size_t)g->n * g->c * g->kh * g->kw * g->oh * g->ow;
    return (n + 63) / 64 * 64;
}

extern "C" size_t ddad_conv_gemm_workspace_bytes(const ddad_conv_geom *g, int op)
{
    size_t floats = col_floats(g);
    if (op == DDAD_CONV_BWD_FILTER) floats += (size_t)g->n * g->k * g->c * g->kh * g->kw;   // per-sample dw
    return floats * sizeof(float);
}

template <typename Index>
__global__ void k_im2col(Index total, int C, int H, int W, int KH, int KW, int S, int P, int OH, int OW,
                         const float *__restrict__ x, float *__restrict__ col)
{
    const Index ohw = (Index)OH * OW, kk = (Index)KH * KW, rows = (Index)C * kk;
    for (Index t = blockIdx.x * (Index)blockDim.x + threadIdx.x; t < total; t += (Index)gridDim.x * blockDim.x) {
        const Index o = t % ohw, rest = t / ohw, row = rest % rows, n = rest / rows;
        const Index c = row / kk, ij = row % kk;
        const int iy = (int)(o / OW) * S - P + (int)(ij / KW), ix = (int)(o % OW) * S - P + (int)(ij % KW);
        col[t] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(((size_t)n * C + c) * H + iy) * W + ix] : 0.0f;
    }
}

// dx[n][c][y][x] = sum over the (i, j) whose patch covers it, i then j ascending (a fixed
// order: no atomics), of col[n][(c*KH + i)*KW + j][oy*OW + ox]; + beta * dx unless beta == 0.
template <typename Index>
__global__ void k_col2im(Index total, int C, int H, int W, int KH, int KW, int S, int P, int OH, int OW,
                         const float *__restrict__ col, float beta, float *__restrict__ dx)
{
    const Index hw = (Index)H * W, ohw = (Index)OH * OW, kk = (Index)KH * KW;
    for (Index t = blockIdx.x * (Index)blockDim.x + threadIdx.x; t < total; t += (Index)gridDim.x * blockDim.x) {
        const Index p = t % hw, nc = t / hw, c = nc % C, n = nc / C;
        const int y = (int)(p / W), xx = (int)(p % W);
        const float *base = col + ((size_t)n * C + c) * kk * ohw;
        float acc = 0.0f;
        for (int i = 0; i < KH; i++) {
            const int ty = y + P - i;
            if (ty < 0 || ty % S != 0 || ty / S >= OH) continue;
            for (int j = 0; j < KW; j++) {
                const int tx = xx + P - j;
                if (tx < 0 || tx % S != 0 || tx / S >= OW) continue;
                acc += base[(size_t)(i * KW + j) * ohw + (ty / S) * OW + tx / S];
            }
        }
        dx[t] = beta == 0.0f ? acc : acc + beta * dx[t];
    }
}

// dw[e] = sum over n, in order, of part[n][e] (in double); + beta * dw unless beta == 0.
__global__ void k_sum_batches(int N, size_t per, const float *__restrict__ part, float beta, float *__restrict__ dw)
{
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < per; e += (size_t)gridDim.x * blockDim.x) {
        double acc = 0.0;
        for (int n = 0; n < N; n++) acc += part[(size_t)n * per + e];
        dw[e] = beta == 0.0f ? (float)acc : (float)(acc + (double)beta * dw[e]);
    }
}

static void im2col(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *x, float *col)
{
    const size_t total = (size_t)g->n * g->c * g->kh * g->kw * g->oh * g->ow;
    LAUNCH_BY_INDEX(ddad_narrow_index(total), k_im2col, ddad_blocks(total), ctx->stream, total, g->c, g->h, g->w,
                    g->kh, g->kw, g->stride, g->pad, g->oh, g->ow, x, col);
    DDAD_CHECK_LAUNCH("im2col");
}

extern "C" void ddad_conv_gemm_forward(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *x, const float *w,
                                       float *y, float beta, void *ws)
{
    float *col = (float *)ws;
    const int ohw = g->oh * g->ow, ckk = g->c * g->kh * g->kw;
    im2col(ctx, g, x, col);
    // y_n^T (OHW x K) = col_n^T (OHW x CKK) * w^T (CKK x K)
    ddad_sgemm_gpu(ctx, 0, 0, ohw, g->k, ckk, 1.0f, col, ohw, (long long)ckk * ohw, w, ckk, 0, beta, y, ohw,
                   (long long)g->k * ohw, g->n);
}

extern "C" void ddad_conv_gemm_backward_data(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *dy,
                                             const float *w, float *dx, float beta, void *ws)
{
    float *col = (float *)ws;
    const int ohw = g->oh * g->ow, ckk = g->c * g->kh * g->kw;
    // dcol_n^T (OHW x CKK) = dy_n^T (OHW x K) * w (K x CKK)
    ddad_sgemm_gpu(ctx, 0, 1, ohw, ckk, g->k, 1.0f, dy, ohw, (long long)g->k * ohw, w, ckk, 0, 0.0f, col, ohw,
                   (long long)ckk * ohw, g->n);
    const size_t total = (size_t)g->n * g->c * g->h * g->w;
    LAUNCH_BY_INDEX(ddad_narrow_index(total), k_col2im, ddad_blocks(total), ctx->stream, total, g->c, g->h, g->w,
                    g->kh, g->kw, g->stride, g->pad, g->oh, g->ow, col, beta, dx);
    DDAD_CHECK_LAUNCH("col2im");
}

extern "C" void ddad_conv_gemm_backward_filter(ddad_gpu_ctx *ctx, const ddad_conv_geom *g, const float *x,
                                               const float *dy, float *dw, float beta, void *ws)
{
    float *col = (float *)ws, *part = col + col_floats(g);
    const int ohw = g->oh * g->ow, ckk = g->c * g->kh * g->kw;
    im2col(ctx, g, x, col);
    // dw_n^T (CKK x K) = col_n (CKK x OHW) * dy_n^T (OHW x K)
    ddad_sgemm_gpu(ctx, 1, 0, ckk, g->k, ohw, 1.0f, col, ohw, (long long)ckk * ohw, dy, ohw, (long long)g->k * ohw,
                   0.0f, part, ckk, (long long)g->k * ckk, g->n);
    const size_t per = (size_t)g->k * ckk;
    DDAD_LAUNCH(k_sum_batches, ddad_blocks(per), DDAD_THREADS, ctx->stream, g->n, per, part, beta, dw);
    DDAD_CHECK_LAUNCH("convolution filter gradient sum");
}

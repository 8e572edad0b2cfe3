// Kernel lab: the AE's 4x4 stride-2 convolutions, forward, as im2col + one strided-batched
// cuBLAS GEMM against cuDNN's timed choice. The H200 profile of the AE step (docs/GPU.md)
// found cuDNN's timing picking its legacy FMA kernel (implicit_convolve_sgemm) for all
// 8 forward passes of these shapes (the 4 encoder convolutions and the 4 transposed
// convolutions' backward-data passes, which are the same operation), 273 µs of the step,
// 65 µs for the 64-channel 8x8 -> 4x4 layer alone, where its 67 M multiply-adds take a
// few µs on tensor cores. Here each sample's patches are laid out [C*16][OH*OW] (im2col),
// and y_n = W [K][C*16] x col_n, for all samples in one cublasSgemmStridedBatched: NCHW in,
// NCHW out, no transposes. TF32 follows the context's precision (cuBLAS math mode).
// Both are validated against the CPU convolution (fp32 1e-5, tf32 2e-3) and timed as CUDA
// graph replays (as the pipeline runs them; eager launches would time the host's cost of
// these small calls), the GEMM path including its im2col pass.
#include <math.h>

#include "bench_common.h"
#include "cuda/conv2d_gpu.h"
#include "cuda/gpu_ctx.h"
#include "cuda/kernels.cuh"

extern "C" {
#include "nn/conv2d.h"
}

// col[n][(c*KH + i)*KW + j][oy*OW + ox] = x[n][c][oy*S - P + i][ox*S - P + j], 0 outside
__global__ void k_im2col(int N, int C, int H, int W, int KH, int KW, int S, int P, int OH, int OW,
                         const float *__restrict__ x, float *__restrict__ col)
{
    const size_t ohw = (size_t)OH * OW, rows = (size_t)C * KH * KW, total = (size_t)N * rows * ohw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        // 32-bit pieces: the largest lab shape has N * rows * ohw = 4 M entries
        const unsigned o = (unsigned)(t % ohw), row = (unsigned)((t / ohw) % rows), n = (unsigned)(t / (ohw * rows));
        const unsigned c = row / (KH * KW), ij = row % (KH * KW), i = ij / KW, j = ij % KW;
        const int iy = (int)(o / OW) * S - P + (int)i, ix = (int)(o % OW) * S - P + (int)j;
        col[t] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(((size_t)n * C + c) * H + iy) * W + ix] : 0.0f;
    }
}

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_conv_shape s;
    int n, gemm;
    const float *x, *w;
    float *y, *col;
} arg_t;

static void run(void *q)
{
    arg_t *a = (arg_t *)q;
    const ddad_conv_shape *s = &a->s;
    if (!a->gemm) {
        ddad_conv2d_forward_gpu(a->ctx, s, a->n, a->x, a->w, NULL, a->y);
        return;
    }
    const size_t total = (size_t)a->n * s->c * s->kh * s->kw * s->oh * s->ow;
    k_im2col<<<ddad_blocks(total), DDAD_THREADS, 0, a->ctx->stream>>>(a->n, s->c, s->h, s->w, s->kh, s->kw,
                                                                       s->stride, s->pad, s->oh, s->ow, a->x, a->col);
    DDAD_CHECK_LAUNCH("im2col");
    // column-major view: y_n^T (OHW x K) = col_n^T (OHW x CKK) * W^T (CKK x K)
    const int ohw = s->oh * s->ow, ckk = s->c * s->kh * s->kw;
    const float one = 1.0f, zero = 0.0f;
    DDAD_CHECK_CUBLAS(cublasSgemmStridedBatched(a->ctx->cublas, CUBLAS_OP_N, CUBLAS_OP_N, ohw, s->k, ckk, &one,
                                                a->col, ohw, (long long)ckk * ohw, a->w, ckk, 0, &zero, a->y, ohw,
                                                (long long)s->k * ohw, a->n));
}

int main(void)
{
    if (bench_skip("bench_conv_gemm")) return BENCH_SKIP;
    ddad_rng rng;
    ddad_rng_init(&rng, 10, 0, 0, DDAD_RNG_TEST, 0);
    const int B = 64;
    // the AE encoder's convolutions at batch 64 (img 64, mp 1): 1->16->32->64->64 channels
    const ddad_conv_shape layers[4] = {
        ddad_conv_shape_make(B, 1, 64, 64, 16, 4, 2, 1), ddad_conv_shape_make(B, 16, 32, 32, 32, 4, 2, 1),
        ddad_conv_shape_make(B, 32, 16, 16, 64, 4, 2, 1), ddad_conv_shape_make(B, 64, 8, 8, 64, 4, 2, 1)};
    const char *names[4] = {"enc0", "enc1", "enc2", "enc3"};
    int bad = 0;
    for (int tf32 = 0; tf32 < 2; tf32++) {
        ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
        const double tol = tf32 ? 2e-3 : 1e-5;
        for (int l = 0; l < 4; l++) {
            const ddad_conv_shape s = layers[l];
            const size_t nx = (size_t)B * s.c * s.h * s.w, ny = (size_t)B * s.k * s.oh * s.ow;
            const size_t nw = (size_t)s.k * s.c * s.kh * s.kw, ncol = (size_t)B * s.c * s.kh * s.kw * s.oh * s.ow;
            float *hx = (float *)malloc(nx * sizeof(float)), *hw = (float *)malloc(nw * sizeof(float));
            float *hy = (float *)calloc(ny, sizeof(float));
            float *ws = (float *)calloc(ddad_conv_workspace_floats(&s) + 1, sizeof(float));
            if (!hx || !hw || !hy || !ws) return 1;
            for (size_t i = 0; i < nx; i++) hx[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
            for (size_t i = 0; i < nw; i++) hw[i] = ddad_rng_uniformf(&rng) * 0.4f - 0.2f;
            ddad_conv2d_forward(&s, B, hx, hw, NULL, hy, ws);
            float *dx = (float *)ddad_gpu_malloc(nx * sizeof(float), "x");
            float *dw = (float *)ddad_gpu_malloc(nw * sizeof(float), "w");
            float *dy = (float *)ddad_gpu_malloc(ny * sizeof(float), "y");
            float *dcol = (float *)ddad_gpu_malloc(ncol * sizeof(float), "col");
            ddad_gpu_upload(ctx, dx, hx, nx * sizeof(float));
            ddad_gpu_upload(ctx, dw, hw, nw * sizeof(float));
            float ms[2];
            double err[2];
            for (int g = 0; g < 2; g++) {
                DDAD_CHECK_CUDA(cudaMemsetAsync(dy, 0xFF, ny * sizeof(float), ctx->stream));   // NaN
                arg_t a = {ctx, s, B, g, dx, dw, dy, dcol};
                run(&a);
                DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
                err[g] = bench_rel_err(dy, hy, ny);
                ms[g] = bench_time_graph(ctx->stream, 7, 50, run, &a);
                if (!(err[g] <= tol)) bad = 1;
            }
            char algos[128];
            ddad_conv_gpu_algorithms(ctx, &s, B, algos, sizeof algos);
            printf("%-5s %s n%d c%-3d %2dx%-2d -> k%-3d %dx%d  cuDNN [%s] %7.2f us (err %.1e)  im2col+GEMM %7.2f us "
                   "(err %.1e) %s\n",
                   names[l], tf32 ? "tf32" : "fp32", B, s.c, s.h, s.w, s.k, s.oh, s.ow, algos, ms[0] * 1e3, err[0],
                   ms[1] * 1e3, err[1], err[0] <= tol && err[1] <= tol ? "ok" : "FAIL");
            char nm[96];
            snprintf(nm, sizeof nm, "conv_fwd_%s_%s_cudnn", names[l], tf32 ? "tf32" : "fp32");
            bench_result(nm, ms[0] * 1e3, "us");
            snprintf(nm, sizeof nm, "conv_fwd_%s_%s_gemm", names[l], tf32 ? "tf32" : "fp32");
            bench_result(nm, ms[1] * 1e3, "us");
            ddad_gpu_free(dx, nx * sizeof(float));
            ddad_gpu_free(dw, nw * sizeof(float));
            ddad_gpu_free(dy, ny * sizeof(float));
            ddad_gpu_free(dcol, ncol * sizeof(float));
            free(hx), free(hw), free(hy), free(ws);
        }
        ddad_gpu_ctx_free(ctx);
    }
    if (bad) printf("bench_conv_gemm: VALIDATION FAILED\n");
    return bad;
}

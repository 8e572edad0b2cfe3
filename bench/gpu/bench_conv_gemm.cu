// Kernel lab: the AE's 4x4 stride-2 convolutions on the two engines of the convolution
// plans, per operation (forward, backward data, backward filter): cuDNN's timed choice
// against the GEMM engine (conv_gemm_gpu.h: im2col + one strided-batched cuBLAS GEMM over
// the batch, NCHW throughout). The H200 profile of the AE step (docs/GPU.md) found cuDNN's
// timing picking its legacy FMA kernel (implicit_convolve_sgemm) for all 8 forward passes
// of these shapes (the 4 encoder convolutions and the 4 transposed convolutions'
// backward-data passes, which are the same operation), 273 µs of the step, 65 µs for the
// 64-channel 8x8 -> 4x4 layer alone, where its 67 M multiply-adds take a few µs on tensor
// cores; and its tensor-core dgrad/wgrad kernels wrapped in NCHW <-> NHWC transposes
// (another 211 µs). The plans now time both engines per operation and keep the faster;
// this lab shows the two side by side. TF32 follows the context's precision. Every result
// is validated against the CPU convolution (fp32 1e-5, tf32 2e-3), and each operation is
// timed as CUDA graph replays (as the pipeline runs them).
#include <math.h>
#include <stdlib.h>

#include "bench_common.h"
#include "cuda/conv_gemm_gpu.h"
#include "cuda/conv_plan.h"
#include "cuda/gpu_ctx.h"

extern "C" {
#include "nn/conv2d.h"
}

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_conv_plan *plan;   // NULL: the GEMM engine
    ddad_conv_geom g;
    int op;
    const float *x, *w, *dy;
    float *out;
    void *ws;
} arg_t;

static void run(void *q)
{
    const arg_t *a = (const arg_t *)q;
    if (a->plan) {
        if (a->op == DDAD_CONV_FWD) ddad_conv_plan_forward(a->ctx, a->plan, a->x, a->w, a->out, 0.0f);
        if (a->op == DDAD_CONV_BWD_DATA) ddad_conv_plan_backward_data(a->ctx, a->plan, a->dy, a->w, a->out, 0.0f);
        if (a->op == DDAD_CONV_BWD_FILTER) ddad_conv_plan_backward_filter(a->ctx, a->plan, a->x, a->dy, a->out, 0.0f);
    } else {
        if (a->op == DDAD_CONV_FWD) ddad_conv_gemm_forward(a->ctx, &a->g, a->x, a->w, a->out, 0.0f, a->ws);
        if (a->op == DDAD_CONV_BWD_DATA) ddad_conv_gemm_backward_data(a->ctx, &a->g, a->dy, a->w, a->out, 0.0f, a->ws);
        if (a->op == DDAD_CONV_BWD_FILTER)
            ddad_conv_gemm_backward_filter(a->ctx, &a->g, a->x, a->dy, a->out, 0.0f, a->ws);
    }
}

int main(void)
{
    if (bench_skip("bench_conv_gemm")) return BENCH_SKIP;
    setenv("DDAD_CONV_ENGINE", "cudnn", 1);   // the plans' side is cuDNN's pick alone
    ddad_rng rng;
    ddad_rng_init(&rng, 10, 0, 0, DDAD_RNG_TEST, 0);
    const int B = 64;
    // the AE encoder's convolutions at batch 64 (img 64, mp 1): 1->16->32->64->64 channels
    const ddad_conv_shape layers[4] = {
        ddad_conv_shape_make(B, 1, 64, 64, 16, 4, 2, 1), ddad_conv_shape_make(B, 16, 32, 32, 32, 4, 2, 1),
        ddad_conv_shape_make(B, 32, 16, 16, 64, 4, 2, 1), ddad_conv_shape_make(B, 64, 8, 8, 64, 4, 2, 1)};
    const char *names[4] = {"enc0", "enc1", "enc2", "enc3"}, *ops[3] = {"fwd", "bwd_data", "bwd_filter"};
    int bad = 0;
    for (int tf32 = 0; tf32 < 2; tf32++) {
        ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
        const double tol = tf32 ? 2e-3 : 1e-5;
        for (int l = 0; l < 4; l++) {
            const ddad_conv_shape s = layers[l];
            const ddad_conv_geom g = {B, s.c, s.h, s.w, s.k, s.kh, s.kw, s.stride, s.pad, s.oh, s.ow};
            const size_t nx = (size_t)B * s.c * s.h * s.w, ny = (size_t)B * s.k * s.oh * s.ow;
            const size_t nw = (size_t)s.k * s.c * s.kh * s.kw;
            float *hx = (float *)malloc(nx * sizeof(float)), *hw = (float *)malloc(nw * sizeof(float));
            float *hdy = (float *)malloc(ny * sizeof(float)), *hy = (float *)calloc(ny, sizeof(float));
            float *hdx = (float *)calloc(nx, sizeof(float)), *hdw = (float *)calloc(nw, sizeof(float));
            float *cws = (float *)calloc(ddad_conv_workspace_floats(&s) + 1, sizeof(float));
            if (!hx || !hw || !hdy || !hy || !hdx || !hdw || !cws) return 1;
            for (size_t i = 0; i < nx; i++) hx[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
            for (size_t i = 0; i < nw; i++) hw[i] = ddad_rng_uniformf(&rng) * 0.4f - 0.2f;
            for (size_t i = 0; i < ny; i++) hdy[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
            ddad_conv2d_forward(&s, B, hx, hw, NULL, hy, cws);
            ddad_conv2d_backward(&s, B, hx, hw, hdy, hdx, hdw, NULL, cws);
            float *dx = (float *)bench_dev_copy(hx, nx * sizeof(float));
            float *dw = (float *)bench_dev_copy(hw, nw * sizeof(float));
            float *ddy = (float *)bench_dev_copy(hdy, ny * sizeof(float));
            size_t ws_bytes = 0;
            for (int op = 0; op < 3; op++)
                if (ddad_conv_gemm_workspace_bytes(&g, op) > ws_bytes) ws_bytes = ddad_conv_gemm_workspace_bytes(&g, op);
            void *ws = ddad_gpu_malloc(ws_bytes, "GEMM engine workspace");
            ddad_conv_plan *plan = ddad_conv_plan_get(ctx, &g);
            for (int op = 0; op < 3; op++) {
                const size_t n_out = op == DDAD_CONV_FWD ? ny : op == DDAD_CONV_BWD_DATA ? nx : nw;
                const float *want = op == DDAD_CONV_FWD ? hy : op == DDAD_CONV_BWD_DATA ? hdx : hdw;
                float *out = (float *)ddad_gpu_malloc(n_out * sizeof(float), "output");
                float ms[2];
                double err[2];
                for (int e = 0; e < 2; e++) {
                    DDAD_CHECK_CUDA(cudaMemsetAsync(out, 0xFF, n_out * sizeof(float), ctx->stream));   // NaN
                    arg_t a = {ctx, e == 0 ? plan : NULL, g, op, dx, dw, ddy, out, ws};
                    run(&a);   // the plan chooses its cuDNN algorithm here, outside the graph
                    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
                    err[e] = bench_rel_err(out, want, n_out);
                    ms[e] = bench_time_graph(ctx->stream, 7, 50, run, &a);
                    if (!(err[e] <= tol)) bad = 1;
                }
                printf("%-5s %s %-10s n%d c%-3d %2dx%-2d -> k%-3d %dx%d  cuDNN [%s] %7.2f us (err %.1e)  GEMM engine "
                       "%7.2f us (err %.1e) %s\n",
                       names[l], tf32 ? "tf32" : "fp32", ops[op], B, s.c, s.h, s.w, s.k, s.oh, s.ow,
                       ddad_conv_plan_algo_name(plan, op), ms[0] * 1e3, err[0], ms[1] * 1e3, err[1],
                       err[0] <= tol && err[1] <= tol ? "ok" : "FAIL");
                char nm[96];
                snprintf(nm, sizeof nm, "conv_%s_%s_%s_cudnn", ops[op], names[l], tf32 ? "tf32" : "fp32");
                bench_result(nm, ms[0] * 1e3, "us");
                snprintf(nm, sizeof nm, "conv_%s_%s_%s_gemm", ops[op], names[l], tf32 ? "tf32" : "fp32");
                bench_result(nm, ms[1] * 1e3, "us");
                ddad_gpu_free(out, n_out * sizeof(float));
            }
            ddad_gpu_free(dx, nx * sizeof(float));
            ddad_gpu_free(dw, nw * sizeof(float));
            ddad_gpu_free(ddy, ny * sizeof(float));
            ddad_gpu_free(ws, ws_bytes);
            free(hx), free(hw), free(hdy), free(hy), free(hdx), free(hdw), free(cws);
        }
        ddad_gpu_ctx_free(ctx);
    }
    if (bad) printf("bench_conv_gemm: VALIDATION FAILED\n");
    return bad;
}

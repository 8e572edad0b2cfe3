// Convolution plans: descriptors cached per geometry; per operation, on first use, an
// engine and algorithm: cuDNN's pick, or the GEMM engine (conv_gemm_gpu.h) where it times
// faster; the shared preallocated workspace.
#include "cuda/conv_plan.h"

#include <stdlib.h>
#include <string.h>

#include "cuda/c_api.h"
#include "cuda/conv_gemm_gpu.h"
#include "cuda/cuda_check.h"

enum { ENGINE_CUDNN = 0, ENGINE_GEMM = 1 };

struct ddad_conv_plan {
    ddad_conv_geom g;
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    int chosen[3];
    int engine[3];
    int algo[3];
    cudnnMathType_t math[3];
    size_t ws[3];
};

static const char *const k_fwd_names[] = {"implicit_gemm", "implicit_precomp_gemm", "gemm", "direct",
                                          "fft", "fft_tiling", "winograd", "winograd_nonfused"};
static const char *const k_bwdd_names[] = {"algo_0", "algo_1", "fft", "fft_tiling", "winograd", "winograd_nonfused"};
static const char *const k_bwdf_names[] = {"algo_0", "algo_1", "fft", "algo_3", "winograd", "winograd_nonfused",
                                           "fft_tiling"};

extern "C" const char *ddad_conv_plan_algo_name(const ddad_conv_plan *p, int op)
{
    if (!p->chosen[op]) return "";
    if (p->engine[op] == ENGINE_GEMM) return "im2col_gemm";
    int a = p->algo[op];
    if (op == DDAD_CONV_FWD) return a >= 0 && a < 8 ? k_fwd_names[a] : "?";
    if (op == DDAD_CONV_BWD_DATA) return a >= 0 && a < 6 ? k_bwdd_names[a] : "?";
    return a >= 0 && a < 7 ? k_bwdf_names[a] : "?";
}

extern "C" void ddad_conv_plans_print(const ddad_gpu_ctx *ctx, FILE *f)
{
    for (int i = 0; i < ctx->n_plans; i++) {
        const ddad_conv_plan *p = ctx->plans[i];
        const ddad_conv_geom *g = &p->g;
        fprintf(f, "conv plan n%d c%d %dx%d -> k%d %dx%d, %dx%d/%d pad %d: %s / %s / %s\n", g->n, g->c, g->h, g->w, g->k,
                g->oh, g->ow, g->kh, g->kw, g->stride, g->pad, ddad_conv_plan_algo_name(p, DDAD_CONV_FWD),
                ddad_conv_plan_algo_name(p, DDAD_CONV_BWD_DATA), ddad_conv_plan_algo_name(p, DDAD_CONV_BWD_FILTER));
    }
}

extern "C" ddad_conv_plan *ddad_conv_plan_get(ddad_gpu_ctx *ctx, const ddad_conv_geom *g)
{
    for (int i = 0; i < ctx->n_plans; i++)
        if (memcmp(&ctx->plans[i]->g, g, sizeof *g) == 0) return ctx->plans[i];
    if (ctx->n_plans == DDAD_GPU_MAX_PLANS)
        ddad_fatal(DDAD_EXIT_RUNTIME, "more than %d convolution geometries on one GPU context", DDAD_GPU_MAX_PLANS);
    ddad_conv_plan *p = (ddad_conv_plan *)ddad_calloc(1, sizeof *p, "convolution plan");
    p->g = *g;
    DDAD_CHECK_CUDNN(cudnnCreateTensorDescriptor(&p->xd));
    DDAD_CHECK_CUDNN(cudnnCreateTensorDescriptor(&p->yd));
    DDAD_CHECK_CUDNN(cudnnCreateFilterDescriptor(&p->wd));
    DDAD_CHECK_CUDNN(cudnnCreateConvolutionDescriptor(&p->cd));
    DDAD_CHECK_CUDNN(cudnnSetTensor4dDescriptor(p->xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->n, g->c, g->h, g->w));
    DDAD_CHECK_CUDNN(cudnnSetTensor4dDescriptor(p->yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->n, g->k, g->oh, g->ow));
    DDAD_CHECK_CUDNN(cudnnSetFilter4dDescriptor(p->wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g->k, g->c, g->kh, g->kw));
    DDAD_CHECK_CUDNN(cudnnSetConvolution2dDescriptor(p->cd, g->pad, g->pad, g->stride, g->stride, 1, 1,
                                                     CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    int n, c, h, w;
    DDAD_CHECK_CUDNN(cudnnGetConvolution2dForwardOutputDim(p->cd, p->xd, p->wd, &n, &c, &h, &w));
    if (n != g->n || c != g->k || h != g->oh || w != g->ow)
        ddad_fatal(DDAD_EXIT_RUNTIME, "convolution geometry mismatch: cuDNN gives %dx%dx%dx%d, expected %dx%dx%dx%d", n,
                   c, h, w, g->n, g->k, g->oh, g->ow);
    ctx->plans[ctx->n_plans++] = p;
    return p;
}

extern "C" void ddad_conv_plan_free(ddad_conv_plan *p)
{
    if (!p) return;
    DDAD_CHECK_CUDNN(cudnnDestroyTensorDescriptor(p->xd));
    DDAD_CHECK_CUDNN(cudnnDestroyTensorDescriptor(p->yd));
    DDAD_CHECK_CUDNN(cudnnDestroyFilterDescriptor(p->wd));
    DDAD_CHECK_CUDNN(cudnnDestroyConvolutionDescriptor(p->cd));
    free(p);
}

extern "C" void ddad_conv_plan_forget_algorithms(ddad_conv_plan *p) { memset(p->chosen, 0, sizeof p->chosen); }

// Whether an algorithm keeps the arithmetic we promise: in fp32 mode plain FMA math and no
// transform-based algorithms (FFT, Winograd), whose rounding exceeds the 1e-5 bound.
static int transform_algo(int op, int a)
{
    if (op == DDAD_CONV_FWD)
        return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
               a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
    if (op == DDAD_CONV_BWD_DATA)
        return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
               a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
    return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT || a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING ||
           a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

// Picks from a perf list (best first): deterministic algorithms within the workspace limit
// and the precision policy; a nondeterministic one only when nothing else qualifies.
template <typename Perf>
static int pick(const ddad_gpu_ctx *ctx, int op, const Perf *perf, int count, int *algo, cudnnMathType_t *math,
                size_t *ws)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < count; i++) {
            const Perf &r = perf[i];
            if (r.status != CUDNN_STATUS_SUCCESS || r.memory > ctx->workspace_bytes) continue;
            if (pass == 0 && r.determinism != CUDNN_DETERMINISTIC) continue;
            if (ctx->precision == DDAD_PREC_FP32 &&
                (r.mathType != CUDNN_FMA_MATH && r.mathType != CUDNN_DEFAULT_MATH))
                continue;
            if (ctx->precision == DDAD_PREC_FP32 && transform_algo(op, (int)r.algo)) continue;
            *algo = (int)r.algo;
            // DEFAULT math may use TF32 on Ampere and later: pin FMA in fp32 mode.
            *math = ctx->precision == DDAD_PREC_FP32 ? CUDNN_FMA_MATH : r.mathType;
            *ws = r.memory;
            return 0;
        }
    return -1;
}

static void choose_cudnn(ddad_gpu_ctx *ctx, ddad_conv_plan *p, int op, const void *a, const void *b, void *out,
                         int find)
{
    DDAD_CHECK_CUDNN(cudnnSetConvolutionMathType(p->cd, ctx->precision == DDAD_PREC_FP32 ? CUDNN_FMA_MATH
                                                                                         : CUDNN_TENSOR_OP_MATH));
    enum { MAXA = 16 };
    int got = 0, rc = -1;
    if (op == DDAD_CONV_FWD) {
        cudnnConvolutionFwdAlgoPerf_t perf[MAXA];
        if (find)
            DDAD_CHECK_CUDNN(cudnnFindConvolutionForwardAlgorithmEx(ctx->cudnn, p->xd, a, p->wd, b, p->cd, p->yd, out,
                                                                    MAXA, &got, perf, ctx->workspace,
                                                                    ctx->workspace_bytes));
        else
            DDAD_CHECK_CUDNN(cudnnGetConvolutionForwardAlgorithm_v7(ctx->cudnn, p->xd, p->wd, p->cd, p->yd, MAXA, &got,
                                                                    perf));
        rc = pick(ctx, op, perf, got, &p->algo[op], &p->math[op], &p->ws[op]);
    } else if (op == DDAD_CONV_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t perf[MAXA];
        if (find)
            DDAD_CHECK_CUDNN(cudnnFindConvolutionBackwardDataAlgorithmEx(ctx->cudnn, p->wd, b, p->yd, a, p->cd, p->xd,
                                                                         out, MAXA, &got, perf, ctx->workspace,
                                                                         ctx->workspace_bytes));
        else
            DDAD_CHECK_CUDNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx->cudnn, p->wd, p->yd, p->cd, p->xd, MAXA,
                                                                         &got, perf));
        rc = pick(ctx, op, perf, got, &p->algo[op], &p->math[op], &p->ws[op]);
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t perf[MAXA];
        if (find)
            DDAD_CHECK_CUDNN(cudnnFindConvolutionBackwardFilterAlgorithmEx(ctx->cudnn, p->xd, a, p->yd, b, p->cd, p->wd,
                                                                           out, MAXA, &got, perf, ctx->workspace,
                                                                           ctx->workspace_bytes));
        else
            DDAD_CHECK_CUDNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx->cudnn, p->xd, p->yd, p->cd, p->wd,
                                                                           MAXA, &got, perf));
        rc = pick(ctx, op, perf, got, &p->algo[op], &p->math[op], &p->ws[op]);
    }
    if (rc != 0)
        ddad_fatal(DDAD_EXIT_RUNTIME,
                   "cuDNN offers no usable algorithm for convolution op %d (%dx%dx%dx%d, k %d, %dx%d/%d) in %s mode "
                   "within %zu bytes of workspace (set DDAD_CUDNN_WORKSPACE_MB higher)",
                   op, p->g.n, p->g.c, p->g.h, p->g.w, p->g.k, p->g.kh, p->g.kw, p->g.stride,
                   ctx->precision == DDAD_PREC_FP32 ? "fp32" : "tf32", ctx->workspace_bytes);
    p->engine[op] = ENGINE_CUDNN;
}

// DDAD_CONV_ENGINE: "cudnn" or "gemm" forces one engine for every convolution (the tests
// check each; the lab times each; "gemm" keeps cuDNN where the GEMM engine's workspace does
// not fit the context's); unset or "auto": cuDNN's pick, replaced by the GEMM engine where
// it times clearly faster.
static int engine_override(void)
{
    const char *e = getenv("DDAD_CONV_ENGINE");
    if (!e || !*e || strcmp(e, "auto") == 0) return -1;
    if (strcmp(e, "cudnn") == 0) return ENGINE_CUDNN;
    if (strcmp(e, "gemm") == 0) return ENGINE_GEMM;
    ddad_fatal(DDAD_EXIT_USAGE, "DDAD_CONV_ENGINE=%s: expected auto, cudnn or gemm (or leave it unset)", e);
}

// One operation on the plan's chosen engine: a = x / dy / x, b = w / w / dy (forward, data,
// filter), as the public functions below take them.
static void run_op(ddad_gpu_ctx *ctx, ddad_conv_plan *p, int op, const float *a, const float *b, float *out,
                   float beta)
{
    if (p->engine[op] == ENGINE_GEMM) {
        if (op == DDAD_CONV_FWD)
            ddad_conv_gemm_forward(ctx, &p->g, a, b, out, beta, ctx->workspace);
        else if (op == DDAD_CONV_BWD_DATA)
            ddad_conv_gemm_backward_data(ctx, &p->g, a, b, out, beta, ctx->workspace);
        else
            ddad_conv_gemm_backward_filter(ctx, &p->g, a, b, out, beta, ctx->workspace);
        return;
    }
    const float alpha = 1.0f;
    DDAD_CHECK_CUDNN(cudnnSetConvolutionMathType(p->cd, p->math[op]));
    if (op == DDAD_CONV_FWD)
        DDAD_CHECK_CUDNN(cudnnConvolutionForward(ctx->cudnn, &alpha, p->xd, a, p->wd, b, p->cd,
                                                 (cudnnConvolutionFwdAlgo_t)p->algo[op], ctx->workspace, p->ws[op],
                                                 &beta, p->yd, out));
    else if (op == DDAD_CONV_BWD_DATA)
        DDAD_CHECK_CUDNN(cudnnConvolutionBackwardData(ctx->cudnn, &alpha, p->wd, b, p->yd, a, p->cd,
                                                      (cudnnConvolutionBwdDataAlgo_t)p->algo[op], ctx->workspace,
                                                      p->ws[op], &beta, p->xd, out));
    else
        DDAD_CHECK_CUDNN(cudnnConvolutionBackwardFilter(ctx->cudnn, &alpha, p->xd, a, p->yd, b, p->cd,
                                                        (cudnnConvolutionBwdFilterAlgo_t)p->algo[op], ctx->workspace,
                                                        p->ws[op], &beta, p->wd, out));
}

// Mean milliseconds of 10 runs of the op on its current engine, after one warm-up run, on
// the context's stream (outside capture; `out` is overwritten).
static float time_op(ddad_gpu_ctx *ctx, ddad_conv_plan *p, int op, const float *a, const float *b, float *out)
{
    enum { REPS = 10 };
    cudaEvent_t t0, t1;
    DDAD_CHECK_CUDA(cudaEventCreate(&t0));
    DDAD_CHECK_CUDA(cudaEventCreate(&t1));
    run_op(ctx, p, op, a, b, out, 0.0f);
    DDAD_CHECK_CUDA(cudaEventRecord(t0, ctx->stream));
    for (int r = 0; r < REPS; r++) run_op(ctx, p, op, a, b, out, 0.0f);
    DDAD_CHECK_CUDA(cudaEventRecord(t1, ctx->stream));
    DDAD_CHECK_CUDA(cudaEventSynchronize(t1));
    float ms = 0.0f;
    DDAD_CHECK_CUDA(cudaEventElapsedTime(&ms, t0, t1));
    DDAD_CHECK_CUDA(cudaEventDestroy(t0));
    DDAD_CHECK_CUDA(cudaEventDestroy(t1));
    return ms / REPS;
}

static void choose(ddad_gpu_ctx *ctx, ddad_conv_plan *p, int op, const float *a, const float *b, float *out,
                   float beta)
{
    const int forced = engine_override();
    // The workspace never grows here: graphs captured earlier hold its address.
    const int gemm_fits = ddad_conv_gemm_workspace_bytes(&p->g, op) <= ctx->workspace_bytes;
    p->chosen[op] = 1;
    if (forced == ENGINE_GEMM && gemm_fits) {
        p->engine[op] = ENGINE_GEMM;
        return;
    }
    // Timing (cuDNN's Find, and the engines against each other) runs the op and overwrites
    // `out`: only outside capture and when the call does not accumulate into `out`.
    const int find = ctx->find_algorithms && beta == 0.0f && !ddad_gpu_ctx_capturing(ctx);
    choose_cudnn(ctx, p, op, a, b, out, find);
    if (forced >= 0 || !find || !gemm_fits) return;
    const float t_cudnn = time_op(ctx, p, op, a, b, out);
    p->engine[op] = ENGINE_GEMM;
    const float t_gemm = time_op(ctx, p, op, a, b, out);
    // A margin, so that timing noise between near-equal engines does not decide (the two
    // round differently; ranks may still choose differently, as with cuDNN's own timing).
    if (!(t_gemm < 0.9f * t_cudnn)) p->engine[op] = ENGINE_CUDNN;
}

extern "C" void ddad_conv_plan_forward(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *w, float *y,
                                       float beta)
{
    if (!p->chosen[DDAD_CONV_FWD]) choose(ctx, p, DDAD_CONV_FWD, x, w, y, beta);
    run_op(ctx, p, DDAD_CONV_FWD, x, w, y, beta);
}

extern "C" void ddad_conv_plan_backward_data(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *dy, const float *w,
                                             float *dx, float beta)
{
    if (!p->chosen[DDAD_CONV_BWD_DATA]) choose(ctx, p, DDAD_CONV_BWD_DATA, dy, w, dx, beta);
    run_op(ctx, p, DDAD_CONV_BWD_DATA, dy, w, dx, beta);
}

extern "C" void ddad_conv_plan_backward_filter(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *dy,
                                               float *dw, float beta)
{
    if (!p->chosen[DDAD_CONV_BWD_FILTER]) choose(ctx, p, DDAD_CONV_BWD_FILTER, x, dy, dw, beta);
    run_op(ctx, p, DDAD_CONV_BWD_FILTER, x, dy, dw, beta);
}

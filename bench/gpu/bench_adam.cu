// Kernel lab: Adam over the one parameter buffer as one fused kernel (adam_gpu.cu) against
// a sequence of library calls and small kernels (cuBLAS sscal/saxpy for the first moment,
// a square kernel + sscal/saxpy for the second, a final update kernel). Both validated
// against the CPU reference (model/adam.h) over 3 steps; timed on the AE's buffer size.
// Prediction: fused reads p, g, m, v and writes p, m, v once (28 bytes per parameter); the
// sequence moves about 3x that, so it should be about 3x slower once memory-bound.
#include <math.h>

#include "bench_common.h"
#include "cuda/adam_gpu.h"
#include "cuda/c_api.h"
#include "cuda/gpu_ctx.h"

extern "C" {
#include "model/adam.h"
}

__global__ void k_square(size_t n, const float *g, float *out)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        out[i] = g[i] * g[i];
}

__global__ void k_update(size_t n, float *p, const float *m, const float *v, float step_size, float bc2_sqrt, float eps)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        p[i] -= step_size * (m[i] / (sqrtf(v[i]) / bc2_sqrt + eps));
}

typedef struct {
    ddad_gpu_ctx *ctx;
    size_t n;
    float *p, *g, *m, *v, *tmp;
    int64_t *d_step;
    int64_t host_step;
    ddad_adam_cfg cfg;
    int fused;
} arg_t;

static void run(void *q)
{
    arg_t *a = (arg_t *)q;
    if (a->fused) {
        ddad_adam_step_gpu(a->ctx, a->n, a->p, a->g, a->m, a->v, a->d_step, &a->cfg);
        return;
    }
    // Unfused (no weight decay, no clipping): host-side coefficients, library calls.
    a->host_step++;
    const float b1 = a->cfg.beta1, b2 = a->cfg.beta2, omb1 = 1.0f - b1, omb2 = 1.0f - b2;
    const double bc1 = 1.0 - pow((double)b1, (double)a->host_step), bc2 = 1.0 - pow((double)b2, (double)a->host_step);
    cublasHandle_t h = a->ctx->cublas;
    const int n = (int)a->n;
    DDAD_CHECK_CUBLAS(cublasSscal(h, n, &b1, a->m, 1));
    DDAD_CHECK_CUBLAS(cublasSaxpy(h, n, &omb1, a->g, 1, a->m, 1));
    k_square<<<1024, 256, 0, a->ctx->stream>>>(a->n, a->g, a->tmp);
    DDAD_CHECK_CUBLAS(cublasSscal(h, n, &b2, a->v, 1));
    DDAD_CHECK_CUBLAS(cublasSaxpy(h, n, &omb2, a->tmp, 1, a->v, 1));
    k_update<<<1024, 256, 0, a->ctx->stream>>>(a->n, a->p, a->m, a->v, (float)(a->cfg.lr / bc1), (float)sqrt(bc2),
                                               a->cfg.eps);
    DDAD_CHECK_LAUNCH("adam update");
}

int main(void)
{
    if (bench_skip("bench_adam")) return BENCH_SKIP;
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_rng rng;
    ddad_rng_init(&rng, 6, 0, 0, DDAD_RNG_TEST, 0);
    const size_t n = 4500000;   // about the AE's parameter count at mp = 1, 64x64
    float *p0 = (float *)malloc(n * 4), *g = (float *)malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        p0[i] = ddad_rng_uniformf(&rng) - 0.5f;
        g[i] = (ddad_rng_uniformf(&rng) - 0.5f) * 0.01f;
    }
    // CPU reference: 3 steps with the same gradient.
    ddad_paramset ps;
    memset(&ps, 0, sizeof ps);
    ps.n_params = n;
    ps.params = (float *)malloc(n * 4);
    ps.grads = (float *)malloc(n * 4);
    ps.adam_m = (float *)calloc(n, 4);
    ps.adam_v = (float *)calloc(n, 4);
    memcpy(ps.params, p0, n * 4);
    ddad_adam_cfg cfg = ddad_adam_defaults(5e-4f, 0.0f);
    for (int s = 0; s < 3; s++) {
        memcpy(ps.grads, g, n * 4);
        ddad_adam_step(&ps, &cfg);
    }
    int bad = 0;
    for (int fused = 1; fused >= 0; fused--) {
        arg_t a;
        memset(&a, 0, sizeof a);
        a.ctx = ctx;
        a.n = n;
        a.cfg = cfg;
        a.fused = fused;
        a.p = (float *)ddad_gpu_malloc(n * 4, "p");
        a.g = (float *)ddad_gpu_malloc(n * 4, "g");
        a.m = (float *)ddad_gpu_malloc(n * 4, "m");
        a.v = (float *)ddad_gpu_malloc(n * 4, "v");
        a.tmp = (float *)ddad_gpu_malloc(n * 4, "tmp");
        a.d_step = (int64_t *)ddad_gpu_malloc(8, "step");
        DDAD_CHECK_CUDA(cudaMemcpy(a.p, p0, n * 4, cudaMemcpyHostToDevice));
        DDAD_CHECK_CUDA(cudaMemcpy(a.g, g, n * 4, cudaMemcpyHostToDevice));
        DDAD_CHECK_CUDA(cudaMemset(a.m, 0, n * 4));
        DDAD_CHECK_CUDA(cudaMemset(a.v, 0, n * 4));
        DDAD_CHECK_CUDA(cudaMemset(a.d_step, 0, 8));
        for (int s = 0; s < 3; s++) run(&a);
        float *h = (float *)malloc(n * 4);
        DDAD_CHECK_CUDA(cudaDeviceSynchronize());
        DDAD_CHECK_CUDA(cudaMemcpy(h, a.p, n * 4, cudaMemcpyDeviceToHost));
        double num = 0, den = 0;
        for (size_t i = 0; i < n; i++) {
            double d = (double)h[i] - ps.params[i];
            num += d * d;
            den += (double)ps.params[i] * ps.params[i];
        }
        double e = sqrt(num / den);
        if (!(e <= 1e-5)) bad = 1;
        float ms = bench_time(ctx->stream, 7, 20, run, &a);
        double gbs = 28.0 * n / (ms * 1e-3) / 1e9;
        printf("adam %-9s n=%zu rel err %.2e  %.1f us  (%.0f GB/s at 28 B/param)\n", fused ? "fused" : "cublas-seq",
               n, e, ms * 1e3, gbs);
        bench_result(fused ? "adam_fused" : "adam_cublas_sequence", ms * 1e3, "us");
        free(h);
        void *bufs[] = {a.p, a.g, a.m, a.v, a.tmp, a.d_step};
        for (int i = 0; i < 6; i++) DDAD_CHECK_CUDA(cudaFree(bufs[i]));
    }
    ddad_gpu_ctx_free(ctx);
    if (bad) printf("bench_adam: VALIDATION FAILED\n");
    return bad;
}

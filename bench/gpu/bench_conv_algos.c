/* Kernel lab: cuDNN algorithm choice for the AE's and the refiner's convolutions: timed
 * choice (Find, like cudnn.benchmark) against heuristics, fp32 (FMA math, no Winograd/FFT)
 * against tf32. Prints the algorithms chosen and the forward + backward time per layer. */
#include "bench_common.h"

#include "cuda/conv2d_gpu.h"
#include "cuda/conv_transpose2d_gpu.h"
#include "cuda/gpu_ctx.h"
#include "nn/conv_transpose2d.h"

typedef struct {
    ddad_gpu_ctx *ctx;
    ddad_conv_shape s;
    int n, transposed;
    float *x, *w, *y, *dy, *dx, *dw;
} arg_t;

static void run(void *p)
{
    arg_t *a = (arg_t *)p;
    if (a->transposed) {
        ddad_convt_forward_gpu(a->ctx, &a->s, a->n, a->x, a->w, a->y);
        ddad_convt_backward_gpu(a->ctx, &a->s, a->n, a->x, a->w, a->dy, a->dx, a->dw);
    } else {
        ddad_conv2d_forward_gpu(a->ctx, &a->s, a->n, a->x, a->w, NULL, a->y);
        ddad_conv2d_backward_gpu(a->ctx, &a->s, a->n, a->x, a->w, a->dy, a->dx, a->dw, NULL);
    }
}

int main(void)
{
    if (bench_skip("bench_conv_algos")) return BENCH_SKIP;
    ddad_rng rng;
    ddad_rng_init(&rng, 7, 0, 0, DDAD_RNG_TEST, 0);
    const int B = 64;
    ddad_conv_shape layers[6] = {
        ddad_conv_shape_make(B, 1, 64, 64, 16, 4, 2, 1),  ddad_conv_shape_make(B, 16, 32, 32, 32, 4, 2, 1),
        ddad_conv_shape_make(B, 32, 16, 16, 64, 4, 2, 1), ddad_convt_shape_make(B, 32, 16, 16, 16, 4, 2, 1),
        ddad_convt_shape_make(B, 16, 32, 32, 1, 4, 2, 1), ddad_conv_shape_make(8, 128, 64, 64, 128, 3, 1, 1)};
    const int transposed[6] = {0, 0, 0, 1, 1, 0};
    const char *names[6] = {"enc0", "enc1", "enc2", "dec2", "dec3", "refine1"};
    for (int mode = 0; mode < 4; mode++) {
        const int tf32 = mode & 1, find = mode >> 1;
        ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
        ctx->find_algorithms = find;
        for (int l = 0; l < 6; l++) {
            arg_t a;
            a.ctx = ctx;
            a.s = layers[l];
            a.n = l == 5 ? 8 : B;
            a.transposed = transposed[l];
            const ddad_conv_shape *s = &a.s;
            size_t nin = (size_t)a.n * s->c * s->h * s->w, nout = (size_t)a.n * s->k * s->oh * s->ow;
            size_t nw = (size_t)s->k * s->c * s->kh * s->kw;
            // Conv2d: x is the input; ConvTranspose2d: x is the Conv2d's output side.
            size_t nx = a.transposed ? nout : nin, ny = a.transposed ? nin : nout;
            a.x = bench_dev_rand(&rng, nx, -1, 1);
            a.w = bench_dev_rand(&rng, nw, -0.2f, 0.2f);
            a.dy = bench_dev_rand(&rng, ny, -1, 1);
            a.y = bench_dev_rand(&rng, ny, 0, 1);
            a.dx = bench_dev_rand(&rng, nx, 0, 1);
            a.dw = bench_dev_rand(&rng, nw, 0, 1);
            run(&a);
            float ms = bench_time(ctx->stream, 5, 20, run, &a);
            char algos[128], nm[96];
            ddad_conv_gpu_algorithms(ctx, s, a.n, algos, sizeof algos);
            printf("%-8s %s %-10s fwd+bwd %8.1f us  [%s]\n", names[l], tf32 ? "tf32" : "fp32",
                   find ? "find" : "heuristic", ms * 1e3, algos);
            snprintf(nm, sizeof nm, "conv_%s_%s_%s", names[l], tf32 ? "tf32" : "fp32", find ? "find" : "heur");
            bench_result(nm, ms * 1e3, "us");
            float *bufs[] = {a.x, a.w, a.dy, a.y, a.dx, a.dw};
            for (int i = 0; i < 6; i++) DDAD_CHECK_CUDA(cudaFree(bufs[i]));
        }
        ddad_gpu_ctx_free(ctx);
    }
    return 0;
}

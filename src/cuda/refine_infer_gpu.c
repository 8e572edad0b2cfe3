#include "cuda/refine_infer_gpu.h"

#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_ctx.h"
#include "cuda/refine_gpu.h"

struct ddad_refine_infer_gpu {
    ddad_gpu_ctx *ctx;
    ddad_refine_gpu *net;
    int cin, max_batch;
    size_t hw;
    float *d_in, *d_prob;
    size_t in_bytes, prob_bytes;
};

ddad_refine_infer_gpu *ddad_refine_infer_gpu_create(ddad_refine *host, int in_channels, int height, int width,
                                                    int max_batch, int tf32)
{
    ddad_refine_infer_gpu *g = ddad_calloc(1, sizeof *g, "GPU refiner inference");
    g->ctx = ddad_gpu_ctx_create(tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
    g->cin = in_channels;
    g->max_batch = max_batch;
    g->hw = (size_t)height * (size_t)width;
    g->net = ddad_refine_gpu_create(g->ctx, in_channels, height, width, max_batch, 0);
    ddad_refine_gpu_upload(g->net, ddad_refine_paramset(host));
    g->in_bytes = sizeof(float) * (size_t)max_batch * (size_t)in_channels * g->hw;
    g->prob_bytes = sizeof(float) * (size_t)max_batch * g->hw;
    g->d_in = ddad_gpu_malloc(g->in_bytes, "refiner input");
    g->d_prob = ddad_gpu_malloc(g->prob_bytes, "refiner probabilities");
    return g;
}

void ddad_refine_infer_gpu_run(ddad_refine_infer_gpu *g, const float *in, int nb, float *prob1)
{
    if (nb < 1 || nb > g->max_batch)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner inference: batch %d outside 1..%d", nb, g->max_batch);
    ddad_gpu_upload(g->ctx, g->d_in, in, sizeof(float) * (size_t)nb * (size_t)g->cin * g->hw);
    ddad_refine_gpu_infer(g->net, g->d_in, nb, g->d_prob);
    DDAD_CHECK_CUDA(cudaMemcpyAsync(prob1, g->d_prob, sizeof(float) * (size_t)nb * g->hw, cudaMemcpyDeviceToHost,
                                    g->ctx->stream));
    ddad_gpu_ctx_sync(g->ctx);
}

void ddad_refine_infer_gpu_free(ddad_refine_infer_gpu *g)
{
    if (!g) return;
    ddad_gpu_ctx_sync(g->ctx);
    ddad_refine_gpu_free(g->net);
    ddad_gpu_free(g->d_in, g->in_bytes);
    ddad_gpu_free(g->d_prob, g->prob_bytes);
    ddad_gpu_ctx_free(g->ctx);
    free(g);
}

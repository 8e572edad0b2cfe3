// The convolution plans (conv_plan.h) for the CPU emulator: cuDNN cannot run here, so every
// operation takes the GEMM engine (conv_gemm_gpu.h), with a workspace of its own per plan.
// conv_gpu.cu's Conv2d / ConvTranspose2d layers (their role mapping onto the plan's three
// operations, and the bias kernels) then run in the emulator unchanged.
#include "simt_emu.h"   // first: it defines the launch macros

#include <stdlib.h>
#include <string.h>

#include "cuda/c_api.h"
#include "cuda/conv_gemm_gpu.h"
#include "cuda/conv_plan.h"

struct ddad_conv_plan {
    ddad_conv_geom g;
    void *ws;
    int used[3];
};

extern "C" ddad_conv_plan *ddad_conv_plan_get(ddad_gpu_ctx *ctx, const ddad_conv_geom *g)
{
    for (int i = 0; i < ctx->n_plans; i++)
        if (memcmp(&ctx->plans[i]->g, g, sizeof *g) == 0) return ctx->plans[i];
    if (ctx->n_plans == DDAD_GPU_MAX_PLANS)
        ddad_fatal(DDAD_EXIT_RUNTIME, "more than %d convolution geometries on one GPU context", DDAD_GPU_MAX_PLANS);
    ddad_emu_no_capture("a new convolution plan (its choice and workspace)");
    ddad_conv_plan *p = (ddad_conv_plan *)ddad_calloc(1, sizeof *p, "convolution plan");
    p->g = *g;
    size_t bytes = 0;
    for (int op = 0; op < 3; op++)
        if (ddad_conv_gemm_workspace_bytes(g, op) > bytes) bytes = ddad_conv_gemm_workspace_bytes(g, op);
    p->ws = ddad_malloc(bytes ? bytes : 1, "emulated convolution workspace");
    ctx->plans[ctx->n_plans++] = p;
    return p;
}

extern "C" void ddad_conv_plan_free(ddad_conv_plan *p)
{
    if (!p) return;
    free(p->ws);
    free(p);
}

extern "C" void ddad_conv_plan_forget_algorithms(ddad_conv_plan *p) { memset(p->used, 0, sizeof p->used); }

extern "C" void ddad_conv_plan_forward(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *w, float *y,
                                       float beta)
{
    p->used[DDAD_CONV_FWD] = 1;
    ddad_conv_gemm_forward(ctx, &p->g, x, w, y, beta, p->ws);
}

extern "C" void ddad_conv_plan_backward_data(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *dy, const float *w,
                                             float *dx, float beta)
{
    p->used[DDAD_CONV_BWD_DATA] = 1;
    ddad_conv_gemm_backward_data(ctx, &p->g, dy, w, dx, beta, p->ws);
}

extern "C" void ddad_conv_plan_backward_filter(ddad_gpu_ctx *ctx, ddad_conv_plan *p, const float *x, const float *dy,
                                               float *dw, float beta)
{
    p->used[DDAD_CONV_BWD_FILTER] = 1;
    ddad_conv_gemm_backward_filter(ctx, &p->g, x, dy, dw, beta, p->ws);
}

extern "C" const char *ddad_conv_plan_algo_name(const ddad_conv_plan *p, int op)
{
    return p->used[op] ? "im2col_gemm (emulated)" : "";
}

extern "C" void ddad_conv_plans_print(const ddad_gpu_ctx *ctx, FILE *f)
{
    for (int i = 0; i < ctx->n_plans; i++) {
        const ddad_conv_geom *g = &ctx->plans[i]->g;
        fprintf(f, "conv plan n%d c%d %dx%d -> k%d %dx%d: the GEMM engine (emulated)\n", g->n, g->c, g->h, g->w, g->k,
                g->oh, g->ow);
    }
}

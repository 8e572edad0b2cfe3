// Losses: elementwise gradients with the CPU reference's float expressions; the loss sums
// go block -> fixed partial slot -> one final block, in double.
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"
#include "cuda/loss_gpu.h"

#define LOSS_BLOCKS 512
#define FOCAL_SMOOTH 1e-5f

static unsigned loss_blocks(size_t n)
{
    unsigned b = ddad_blocks(n);
    return b > LOSS_BLOCKS ? LOSS_BLOCKS : b;
}

__global__ void k_mse(size_t count, const float *__restrict__ out, const float *__restrict__ x, float *__restrict__ grad,
                      float scale, double *__restrict__ part)
{
    double acc = 0.0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
        float d = out[i] - x[i];
        acc += (double)d * d;
        if (grad) grad[i] = scale * d;
    }
    acc = ddad_block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

__global__ void k_aeu(int n, int hw, const float *__restrict__ out, const float *__restrict__ x, float *__restrict__ grad,
                      float inv_m, double *__restrict__ part)
{
    double aw = 0.0, alv = 0.0, arec = 0.0;
    const size_t total = (size_t)n * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        size_t i = t / hw, p = t % hw;
        const float mu = out[i * 2 * hw + p], lv = out[i * 2 * hw + hw + p];
        float d = mu - x[t];
        float w = expf(-lv);
        float sq = d * d;
        aw += (double)(w * sq);
        alv += lv;
        arec += (double)sq;
        if (grad) {
            grad[i * 2 * hw + p] = 2.0f * w * d * inv_m;
            grad[i * 2 * hw + hw + p] = (1.0f - w * sq) * inv_m;
        }
    }
    aw = ddad_block_sum(aw);
    alv = ddad_block_sum(alv);
    arec = ddad_block_sum(arec);
    if (threadIdx.x == 0) {
        part[blockIdx.x] = aw;
        part[LOSS_BLOCKS + blockIdx.x] = alv;
        part[2 * LOSS_BLOCKS + blockIdx.x] = arec;
    }
}

__global__ void k_focal(int n, int hw, const float *__restrict__ prob, const uint8_t *__restrict__ target,
                        float inv, float *__restrict__ grad, double *__restrict__ part)
{
    const float s = FOCAL_SMOOTH;
    double acc = 0.0;
    const size_t total = (size_t)n * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        size_t i = t / hw, p = t % hw;
        const size_t k0 = i * 2 * hw + p, k1 = k0 + hw;
        float o0 = target[t] ? s : 1.0f - s, o1 = target[t] ? 1.0f - s : s;
        float pt = o0 * prob[k0] + o1 * prob[k1] + s;
        float lp = logf(pt);
        float q = 1.0f - pt;
        acc += (double)(-(q * q) * lp);
        if (grad) {
            float dpt = (2.0f * q * lp - q * q / pt) * inv;
            grad[k0] = dpt * o0;
            grad[k1] = dpt * o1;
        }
    }
    acc = ddad_block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

// Sums nb partials of each of nacc accumulators (LOSS_BLOCKS apart) in a fixed order, then:
// mode 0: loss = a0 / div; mode 1 (AE-U): loss = a0/div + a1/div, rec = a2/div.
__global__ void k_loss_final(int nb, int mode, double div, const double *__restrict__ part, float *loss, float *rec)
{
    double a[3];
    const int nacc = mode == 1 ? 3 : 1;
    for (int k = 0; k < nacc; k++) {
        double v = 0.0;
        for (int b = threadIdx.x; b < nb; b += blockDim.x) v += part[k * LOSS_BLOCKS + b];
        a[k] = ddad_block_sum(v);
    }
    if (threadIdx.x != 0) return;
    if (mode == 0) {
        *loss = (float)(a[0] / div);
    } else {
        *loss = (float)(a[0] / div + a[1] / div);
        if (rec) *rec = (float)(a[2] / div);
    }
}

extern "C" void ddad_mse_loss_gpu(ddad_gpu_ctx *ctx, size_t count, const float *out, const float *x, float *grad,
                                  float *d_loss)
{
    unsigned nb = loss_blocks(count);
    DDAD_LAUNCH(k_mse, nb, DDAD_THREADS, ctx->stream, count, out, x, grad, (float)(2.0 / (double)count), ctx->scratch);
    DDAD_CHECK_LAUNCH("mse loss");
    DDAD_LAUNCH(k_loss_final, 1, DDAD_THREADS, ctx->stream, (int)nb, 0, (double)count, ctx->scratch, d_loss, NULL);
    DDAD_CHECK_LAUNCH("loss sum");
}

extern "C" void ddad_aeu_loss_gpu(ddad_gpu_ctx *ctx, int n, int hw, const float *out, const float *x, float *grad,
                                  float *d_loss, float *d_rec_err)
{
    const double m = (double)n * hw;
    unsigned nb = loss_blocks((size_t)n * hw);
    DDAD_LAUNCH(k_aeu, nb, DDAD_THREADS, ctx->stream, n, hw, out, x, grad, (float)(1.0 / m), ctx->scratch);
    DDAD_CHECK_LAUNCH("AE-U loss");
    DDAD_LAUNCH(k_loss_final, 1, DDAD_THREADS, ctx->stream, (int)nb, 1, m, ctx->scratch, d_loss, d_rec_err);
    DDAD_CHECK_LAUNCH("loss sum");
}

extern "C" void ddad_focal_loss_gpu(ddad_gpu_ctx *ctx, int n, int hw, const float *prob, const uint8_t *target,
                                    double norm_count, float *grad, float *d_loss)
{
    unsigned nb = loss_blocks((size_t)n * hw);
    DDAD_LAUNCH(k_focal, nb, DDAD_THREADS, ctx->stream, n, hw, prob, target, (float)(1.0 / norm_count), grad,
                ctx->scratch);
    DDAD_CHECK_LAUNCH("focal loss");
    DDAD_LAUNCH(k_loss_final, 1, DDAD_THREADS, ctx->stream, (int)nb, 0, norm_count, ctx->scratch, d_loss, NULL);
    DDAD_CHECK_LAUNCH("loss sum");
}

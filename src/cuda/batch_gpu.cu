// Batch gather + normalisation and foreign patch interpolation on the device. The float
// expressions are those of data/batch.h and data/fpi.c, with explicit rounding (no fused
// multiply-add) so the device and host produce the same bits.
#include "cuda/batch_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/kernels.cuh"

__device__ __forceinline__ float pixel_to_float(uint8_t p) { return __fdiv_rn(__fdiv_rn((float)p, 255.0f) - 0.5f, 0.5f); }

__global__ void k_gather(const uint8_t *__restrict__ images, size_t hw, const int64_t *__restrict__ idx,
                         const int64_t *__restrict__ cursor, int count, float *__restrict__ out)
{
    const int64_t base = cursor ? *cursor * count : 0;
    const size_t total = (size_t)count * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        size_t i = t / hw, p = t % hw;
        out[t] = pixel_to_float(images[(size_t)idx[base + i] * hw + p]);
    }
}

__global__ void k_copy_slot(const uint32_t *__restrict__ src, size_t words, const int64_t *__restrict__ slot,
                            uint32_t *__restrict__ dst)
{
    const uint32_t *from = src + (size_t)*slot * words;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < words; t += (size_t)gridDim.x * blockDim.x)
        dst[t] = from[t];
}

__global__ void k_cursor(int64_t *cursor, int64_t wrap)
{
    int64_t c = *cursor + 1;
    *cursor = c >= wrap ? 0 : c;
}

__global__ void k_fpi(const uint8_t *__restrict__ images, int h, int w, const ddad_fpi_patch *__restrict__ patches,
                      const int64_t *__restrict__ cursor, int count, float *__restrict__ x, uint8_t *__restrict__ target)
{
    const int64_t base = cursor ? *cursor * count : 0;
    const size_t hw = (size_t)h * w, total = (size_t)count * hw;
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
        const ddad_fpi_patch pa = patches[base + t / hw];
        const size_t p = t % hw;
        const int r = (int)(p / w), c = (int)(p % w);
        float v = pixel_to_float(images[(size_t)pa.self * hw + p]);
        uint8_t tg = 0;
        if (r >= pa.y0 && r < pa.y1 && c >= pa.x0 && c < pa.x1) {
            float s = pixel_to_float(images[(size_t)pa.src * hw + p]);
            v = __fadd_rn(__fmul_rn(1.0f - pa.alpha, v), __fmul_rn(pa.alpha, s));
            tg = pa.alpha > 0.0f;
        }
        x[t] = v;
        target[t] = tg;
    }
}

extern "C" void ddad_gather_batch_gpu(ddad_gpu_ctx *ctx, const uint8_t *d_images, size_t hw, const int64_t *d_idx,
                                      const int64_t *d_cursor, int count, float *d_out)
{
    DDAD_LAUNCH(k_gather, ddad_blocks((size_t)count * hw), DDAD_THREADS, ctx->stream, d_images, hw, d_idx, d_cursor,
                count, d_out);
    DDAD_CHECK_LAUNCH("batch gather");
}

extern "C" void ddad_copy_slot_gpu(ddad_gpu_ctx *ctx, const void *d_src, size_t slot_bytes, const int64_t *d_slot,
                                   void *d_dst)
{
    if (slot_bytes % 4 != 0 || (uintptr_t)d_src % 4 != 0 || (uintptr_t)d_dst % 4 != 0)
        ddad_fatal(DDAD_EXIT_RUNTIME, "slot copy: %zu bytes or its buffers not 4-byte aligned", slot_bytes);
    const size_t words = slot_bytes / 4;
    DDAD_LAUNCH(k_copy_slot, ddad_blocks(words), DDAD_THREADS, ctx->stream, (const uint32_t *)d_src, words, d_slot,
                (uint32_t *)d_dst);
    DDAD_CHECK_LAUNCH("slot copy");
}

extern "C" void ddad_cursor_advance_gpu(ddad_gpu_ctx *ctx, int64_t *d_cursor, int64_t wrap)
{
    DDAD_LAUNCH(k_cursor, 1, 1, ctx->stream, d_cursor, wrap);
    DDAD_CHECK_LAUNCH("batch cursor");
}

extern "C" void ddad_fpi_apply_gpu(ddad_gpu_ctx *ctx, const uint8_t *d_images, int h, int w,
                                   const ddad_fpi_patch *d_patches, const int64_t *d_cursor, int count, float *d_x,
                                   uint8_t *d_target)
{
    DDAD_LAUNCH(k_fpi, ddad_blocks((size_t)count * h * w), DDAD_THREADS, ctx->stream, d_images, h, w, d_patches,
                d_cursor, count, d_x, d_target);
    DDAD_CHECK_LAUNCH("foreign patch interpolation");
}

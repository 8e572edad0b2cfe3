#include "data/batch.h"

#include "core/rng.h"

void ddad_epoch_order(uint64_t seed, int module, int member, int64_t epoch, int64_t n, int64_t *order)
{
    ddad_rng r;
    ddad_rng_init(&r, seed, (uint32_t)module, (uint32_t)member, DDAD_RNG_SHUFFLE, (uint64_t)epoch);
    for (int64_t i = 0; i < n; i++) order[i] = i;
    ddad_rng_shuffle(&r, order, n);
}

void ddad_images_to_float(const uint8_t *src, size_t npix, float *dst)
{
    for (size_t i = 0; i < npix; i++) dst[i] = ddad_pixel_to_float(src[i]);
}

void ddad_gather_batch(const uint8_t *images, size_t hw, const int64_t *idx, int count, float *dst)
{
    for (int i = 0; i < count; i++) ddad_images_to_float(images + (size_t)idx[i] * hw, hw, dst + (size_t)i * hw);
}

#include "data/fpi.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "data/batch.h"

/* numpy's np.random.randint(low, high) with float bounds truncates them to integers. */
static int64_t randint_trunc(ddad_rng *r, double lo, double hi)
{
    int64_t a = (int64_t)lo, b = (int64_t)hi;
    if (b <= a) return a;
    return ddad_rng_randint(r, a, b);
}

static int64_t clip64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

int ddad_fpi_draw(uint64_t seed, uint64_t substream, int64_t n, int h, int w, int64_t self, ddad_fpi_patch *patch)
{
    memset(patch, 0, sizeof *patch);
    patch->self = patch->src = self;
    ddad_rng r;
    ddad_rng_init(&r, seed, DDAD_MOD_REFINE, 0, DDAD_RNG_FPI, substream);
    if (!(ddad_rng_uniform(&r) > 0.5) || n < 2) return 0;

    /* Same arithmetic as the reference: core 0.8 of each dimension, centred. */
    const double core_pct = 0.8;
    double core0 = core_pct * h, core1 = core_pct * w;
    double off0 = (1.0 - core_pct) * h / 2.0, off1 = (1.0 - core_pct) * w / 2.0;
    double min_w = nearbyint(0.05 * w), max_w = nearbyint(0.2 * w);
    int64_t c0 = randint_trunc(&r, off0, off0 + core0);
    int64_t c1 = randint_trunc(&r, off1, off1 + core1);
    int64_t half = randint_trunc(&r, min_w, max_w);
    patch->y0 = (int32_t)clip64(c0 - half, 0, h);
    patch->y1 = (int32_t)clip64(c0 + half, 0, h);
    patch->x0 = (int32_t)clip64(c1 - half, 0, w);
    patch->x1 = (int32_t)clip64(c1 + half, 0, w);
    patch->alpha = ddad_rng_uniformf(&r);
    int64_t src = ddad_rng_randint(&r, 0, n);
    while (src == self) src = ddad_rng_randint(&r, 0, n);
    patch->src = src;
    return 1;
}

void ddad_fpi_apply(const uint8_t *images, int h, int w, const ddad_fpi_patch *patch, float *x, uint8_t *target)
{
    size_t hw = (size_t)h * (size_t)w;
    ddad_images_to_float(images + (size_t)patch->self * hw, hw, x);
    memset(target, 0, hw);
    const uint8_t *s = images + (size_t)patch->src * hw;
    const float alpha = patch->alpha, inv = 1.0f - alpha;
    for (int64_t i = patch->y0; i < patch->y1; i++)
        for (int64_t j = patch->x0; j < patch->x1; j++) {
            size_t p = (size_t)i * (size_t)w + (size_t)j;
            x[p] = inv * x[p] + alpha * ddad_pixel_to_float(s[p]);
            target[p] = alpha > 0.0f;
        }
}

int ddad_fpi_sample(uint64_t seed, uint64_t substream, const uint8_t *images, int64_t n, int h, int w,
                    int64_t self, float *x, uint8_t *target)
{
    ddad_fpi_patch patch;
    int made = ddad_fpi_draw(seed, substream, n, h, w, self, &patch);
    ddad_fpi_apply(images, h, w, &patch, x, target);
    return made;
}

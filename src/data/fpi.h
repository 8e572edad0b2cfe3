/* Foreign patch interpolation (docs/METHOD.md, "Foreign patch interpolation"): the
 * self-supervised anomalies the refiner learns from. Every sample draws from its own
 * stream, so the samples do not depend on how a batch is split across ranks. */
#ifndef DDAD_DATA_FPI_H
#define DDAD_DATA_FPI_H

#include <stddef.h>
#include <stdint.h>

/* One sample's foreign patch: rows [y0, y1) x columns [x0, x1) of image `self` become
 * (1 - alpha) * self + alpha * src; y0 == y1 (or x0 == x1) means no patch. The GPU path
 * (cuda/batch_gpu.h) uploads these for a whole schedule and applies them on the device. */
typedef struct {
    int64_t self, src;
    int32_t y0, y1, x0, x1;
    float alpha;
    int32_t reserved;
} ddad_fpi_patch;

/* The patch of D_n image `self` (one of n images of h x w) drawn from the stream
 * (seed, DDAD_MOD_REFINE, 0, DDAD_RNG_FPI, substream): with probability 0.5 a foreign
 * patch interpolation with another random image, else none. Returns 1 when a patch was
 * drawn. */
int ddad_fpi_draw(uint64_t seed, uint64_t substream, int64_t n, int h, int w, int64_t self, ddad_fpi_patch *patch);

/* x: h*w normalised floats of image patch->self with the patch applied; target: h*w bytes,
 * 1 inside the patch when alpha > 0. */
void ddad_fpi_apply(const uint8_t *images, int h, int w, const ddad_fpi_patch *patch, float *x, uint8_t *target);

/* ddad_fpi_draw then ddad_fpi_apply: the refiner's training sample. Returns 1 when a patch
 * was made. */
int ddad_fpi_sample(uint64_t seed, uint64_t substream, const uint8_t *images, int64_t n, int h, int w,
                    int64_t self, float *x, uint8_t *target);

#endif

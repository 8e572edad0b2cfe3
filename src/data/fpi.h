/* Foreign patch interpolation (REFERENCE.md, "Anomaly score refinement"): the
 * self-supervised anomalies the refiner learns from. Every sample draws from its own
 * stream, so the samples do not depend on how a batch is split across ranks. */
#ifndef DDAD_DATA_FPI_H
#define DDAD_DATA_FPI_H

#include <stddef.h>
#include <stdint.h>

/* The sample of D_n image `self` (one of n images of h x w bytes) drawn from the stream
 * (seed, DDAD_MOD_REFINE, 0, DDAD_RNG_FPI, substream): with probability 0.5 a foreign
 * patch interpolation with another random image, else the image unchanged.
 * x: h*w normalised floats; target: h*w bytes, 1 inside the patch. Returns 1 when a patch
 * was made. */
int ddad_fpi_sample(uint64_t seed, uint64_t substream, const uint8_t *images, int64_t n, int h, int w,
                    int64_t self, float *x, uint8_t *target);

#endif

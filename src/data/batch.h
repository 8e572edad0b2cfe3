/* Epoch order and batch assembly for training. */
#ifndef DDAD_DATA_BATCH_H
#define DDAD_DATA_BATCH_H

#include <stddef.h>
#include <stdint.h>

/* The data order of one epoch: a permutation of 0..n-1 drawn from the stream
 * (seed, module, member, DDAD_RNG_SHUFFLE, substream = epoch). */
void ddad_epoch_order(uint64_t seed, int module, int member, int64_t epoch, int64_t n, int64_t *order);

/* x = (p/255 - 0.5)/0.5 in float32, as torchvision's ToTensor + Normalize(0.5, 0.5). */
static inline float ddad_pixel_to_float(uint8_t p) { return ((float)p / 255.0f - 0.5f) / 0.5f; }
void ddad_images_to_float(const uint8_t *src, size_t npix, float *dst);

/* dst[i] = image idx[i] of images (each hw bytes), normalised. */
void ddad_gather_batch(const uint8_t *images, size_t hw, const int64_t *idx, int count, float *dst);

#endif

/* Resizing 8-bit gray images exactly as Pillow's Image.resize((w, h), Image.BILINEAR) does
 * (ImagingResample in Pillow's Resample.c): a separable convolution with a triangle filter
 * whose support grows with the downscaling factor (antialiasing), horizontal pass first,
 * each pass with 22-bit fixed-point coefficients, rounding and clipping to 8 bits. */
#ifndef DDAD_DATA_RESIZE_H
#define DDAD_DATA_RESIZE_H

#include <stdint.h>

/* in: iw x ih, out: ow x oh (row-major). Returns 0, or -1 when memory runs out. */
int ddad_resize_bilinear_u8(const uint8_t *in, int iw, int ih, uint8_t *out, int ow, int oh);

#endif

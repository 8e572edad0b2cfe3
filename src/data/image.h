/* Decoding PNG and JPEG files to 8-bit gray, the way Pillow's Image.open(f).convert("L")
 * does, except that 16-bit samples are scaled to 8 bits (see docs/DATA.md):
 *   v8 = (v16 * 255 + 32767) / 65535          (integer division: rounds to nearest)
 * Colour to gray: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, Pillow's fixed-point
 * form of the ITU-R 601-2 luma L = R*299/1000 + G*587/1000 + B*114/1000.
 * Alpha is ignored; palettes are expanded. */
#ifndef DDAD_DATA_IMAGE_H
#define DDAD_DATA_IMAGE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    int width, height;
    uint8_t *pixels;     /* width*height bytes, row-major; free() it */
} ddad_gray_image;

/* Decodes the file at path (PNG or JPEG, recognised by content, not by name).
 * On failure returns -1 with a message naming the file and the reason
 * (err->code DDAD_EXIT_USAGE: missing, unreadable, corrupt or unsupported). */
int ddad_image_load_gray(const char *path, ddad_gray_image *out, ddad_error *err);

/* Internal decoders (image_png.c, image_jpeg.c); same contract as above. */
int ddad_png_load_gray(const char *path, FILE *f, ddad_gray_image *out, ddad_error *err);
int ddad_jpeg_load_gray(const char *path, FILE *f, ddad_gray_image *out, ddad_error *err);

/* Pillow's colour-to-gray conversion and the 16-to-8-bit rule. */
static inline uint8_t ddad_rgb_to_gray(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}
static inline uint8_t ddad_u16_to_u8(unsigned v)
{
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

#endif

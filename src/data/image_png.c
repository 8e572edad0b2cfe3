/* PNG through libpng: 1-16 bit gray, gray+alpha, RGB, RGBA and palette (alpha and tRNS ignored). */
#include "data/image.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char msg[256];
    uint8_t *rows_buf;
    png_bytep *rows;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    /* libpng's stdio reader says "Read Error" when the file ends early */
    snprintf(c->msg, sizeof c->msg, "%s", strcmp(msg, "Read Error") ? msg : "truncated: the file ends inside the image data");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;   /* e.g. unknown or damaged ancillary chunks: the pixels are still fine */
}

int ddad_png_load_gray(const char *path, FILE *f, ddad_gray_image *out, ddad_error *err)
{
    png_ctx ctx = {{0}, NULL, NULL};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "%s: libpng could not start", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "%s: libpng could not start", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(ctx.rows_buf);
        free(ctx.rows);
        free(out->pixels);
        out->pixels = NULL;
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: corrupt PNG (%s)", path, ctx.msg);
    }
    png_init_io(png, f);
    png_set_user_limits(png, 65536, 65536);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    /* Alpha (also from tRNS, which the palette expansion turns into alpha) is skipped below. */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    const int channels = png_get_channels(png, info);
    depth = png_get_bit_depth(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16)) {
        snprintf(ctx.msg, sizeof ctx.msg, "unsupported layout: %d channels of %d bits", channels, depth);
        png_longjmp(png, 1);
    }
    size_t rowbytes = png_get_rowbytes(png, info);
    ctx.rows_buf = malloc(rowbytes * h);
    ctx.rows = malloc(sizeof(png_bytep) * h);
    out->pixels = malloc((size_t)w * h);
    if (!ctx.rows_buf || !ctx.rows || !out->pixels) {
        snprintf(ctx.msg, sizeof ctx.msg, "out of memory for %ux%u pixels", (unsigned)w, (unsigned)h);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++) ctx.rows[y] = ctx.rows_buf + y * rowbytes;
    png_read_image(png, ctx.rows);
    png_read_end(png, NULL);

    const int color_in = channels >= 3;           /* RGB or RGBA; else gray or gray+alpha */
    const size_t step = (size_t)channels * (size_t)(depth / 8);   /* bytes per pixel */
    for (png_uint_32 y = 0; y < h; y++) {
        const uint8_t *r = ctx.rows[y];
        uint8_t *o = out->pixels + (size_t)y * w;
        for (png_uint_32 x = 0; x < w; x++) {
            const uint8_t *p = r + x * step;
            if (depth == 8)
                o[x] = color_in ? ddad_rgb_to_gray(p[0], p[1], p[2]) : p[0];
            else if (!color_in)   /* 16 bit samples are big-endian */
                o[x] = ddad_u16_to_u8((unsigned)p[0] << 8 | p[1]);
            else
                o[x] = ddad_rgb_to_gray(ddad_u16_to_u8((unsigned)p[0] << 8 | p[1]),
                                        ddad_u16_to_u8((unsigned)p[2] << 8 | p[3]),
                                        ddad_u16_to_u8((unsigned)p[4] << 8 | p[5]));
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx.rows_buf);
    free(ctx.rows);
    out->width = (int)w;
    out->height = (int)h;
    return 0;
}

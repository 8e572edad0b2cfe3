/* JPEG through libjpeg: grayscale and YCbCr/RGB (decoded to RGB, then Pillow's "L"). */
#include "data/image.h"

#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    int truncated;
} jpeg_err;

static void on_error(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jump, 1);
}

/* Warnings: a file that ends early is refused (Pillow refuses it too); others are ignored. */
static void on_message(j_common_ptr cinfo, int level)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) e->truncated = 1;
}

int ddad_jpeg_load_gray(const char *path, FILE *f, ddad_gray_image *out, ddad_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_err je;
    memset(&je, 0, sizeof je);
    uint8_t *volatile row = NULL;
    cinfo.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = on_error;
    je.pub.emit_message = on_message;
    if (setjmp(je.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        free(out->pixels);
        out->pixels = NULL;
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: corrupt JPEG (%s)", path, je.msg);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    int gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
    if (!gray && cinfo.num_components != 3) {
        jpeg_destroy_decompress(&cinfo);
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s: unsupported JPEG colour space (%d components; only gray and RGB are read)", path,
                              cinfo.num_components);
    }
    cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const int w = (int)cinfo.output_width, h = (int)cinfo.output_height, nc = cinfo.output_components;
    row = malloc((size_t)w * (size_t)nc);
    out->pixels = malloc((size_t)w * (size_t)h);
    if (!row || !out->pixels) {
        snprintf(je.msg, sizeof je.msg, "out of memory for %dx%d pixels", w, h);
        longjmp(je.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        int y = (int)cinfo.output_scanline;
        JSAMPROW rp = row;
        if (jpeg_read_scanlines(&cinfo, &rp, 1) != 1) break;
        uint8_t *o = out->pixels + (size_t)y * (size_t)w;
        if (nc == 1)
            memcpy(o, row, (size_t)w);
        else
            for (int x = 0; x < w; x++) o[x] = ddad_rgb_to_gray(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
    }
    if (je.truncated) {
        snprintf(je.msg, sizeof je.msg, "truncated: the file ends inside the image data");
        longjmp(je.jump, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->width = w;
    out->height = h;
    return 0;
}

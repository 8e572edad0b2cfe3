#include "data/image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ddad_image_load_gray(const char *path, ddad_gray_image *out, ddad_error *err)
{
    out->width = out->height = 0;
    out->pixels = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s", path,
                              errno == ENOENT ? "missing (no such file)" : strerror(errno));
    unsigned char magic[8] = {0};
    size_t n = fread(magic, 1, sizeof magic, f);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: unreadable (%s)", path, strerror(e));
    }
    rewind(f);
    int rc;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n == 8 && memcmp(magic, png_sig, 8) == 0)
        rc = ddad_png_load_gray(path, f, out, err);
    else if (n >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
        rc = ddad_jpeg_load_gray(path, f, out, err);
    else if (n == 0)
        rc = ddad_error_set(err, DDAD_EXIT_USAGE, "%s: empty file", path);
    else
        rc = ddad_error_set(err, DDAD_EXIT_USAGE, "%s: not a PNG or JPEG file (unknown signature)", path);
    fclose(f);
    return rc;
}

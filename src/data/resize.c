/* Pillow-compatible BILINEAR resampling (see resize.h). The coefficient computation follows
 * the published algorithm step by step, because exact agreement with Pillow depends on
 * the same double-precision arithmetic and the same rounding of the filter window. */
#include "data/resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
    int ksize;          /* coefficients per output sample */
    int *bounds;        /* per output sample: first input index, number of inputs */
    int32_t *coeffs;    /* out_size * ksize fixed-point weights */
} axis_coeffs;

static double triangle(double x)
{
    if (x < 0.0) x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int precompute(int in_size, int out_size, axis_coeffs *a)
{
    const double scale = (double)in_size / out_size;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = 1.0 * filterscale;   /* the triangle's support is 1 */
    const int ksize = (int)ceil(support) * 2 + 1;
    double *k = malloc(sizeof(double) * (size_t)ksize);
    a->ksize = ksize;
    a->bounds = malloc(sizeof(int) * 2 * (size_t)out_size);
    a->coeffs = malloc(sizeof(int32_t) * (size_t)ksize * (size_t)out_size);
    if (!k || !a->bounds || !a->coeffs) {
        free(k);
        return -1;
    }
    for (int xx = 0; xx < out_size; xx++) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
            double w = triangle((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        int32_t *kk = a->coeffs + (size_t)xx * ksize;
        for (int x = 0; x < ksize; x++) {
            double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
            kk[x] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
        }
        a->bounds[2 * xx] = xmin;
        a->bounds[2 * xx + 1] = xmax;
    }
    free(k);
    return 0;
}

static uint8_t clip8(int32_t v)
{
    if (v >= (1 << PRECISION_BITS << 8)) return 255;
    if (v <= 0) return 0;
    return (uint8_t)(v >> PRECISION_BITS);
}

/* Horizontal pass over rows [row0, row0 + rows) of in (width iw) into tmp (width ow). */
static void pass_h(const uint8_t *in, int iw, int row0, int rows, const axis_coeffs *a, uint8_t *tmp, int ow)
{
    for (int y = 0; y < rows; y++) {
        const uint8_t *src = in + (size_t)(row0 + y) * iw;
        for (int xx = 0; xx < ow; xx++) {
            const int xmin = a->bounds[2 * xx], n = a->bounds[2 * xx + 1];
            const int32_t *k = a->coeffs + (size_t)xx * a->ksize;
            int32_t ss = 1 << (PRECISION_BITS - 1);
            for (int x = 0; x < n; x++) ss += src[xmin + x] * k[x];
            tmp[(size_t)y * ow + xx] = clip8(ss);
        }
    }
}

/* Vertical pass: in has `w` columns; bounds are relative to its first row. */
static void pass_v(const uint8_t *in, int w, const axis_coeffs *a, int row_shift, uint8_t *out, int oh)
{
    for (int yy = 0; yy < oh; yy++) {
        const int ymin = a->bounds[2 * yy] - row_shift, n = a->bounds[2 * yy + 1];
        const int32_t *k = a->coeffs + (size_t)yy * a->ksize;
        for (int x = 0; x < w; x++) {
            int32_t ss = 1 << (PRECISION_BITS - 1);
            for (int y = 0; y < n; y++) ss += in[(size_t)(ymin + y) * w + x] * k[y];
            out[(size_t)yy * w + x] = clip8(ss);
        }
    }
}

int ddad_resize_bilinear_u8(const uint8_t *in, int iw, int ih, uint8_t *out, int ow, int oh)
{
    const int need_h = ow != iw, need_v = oh != ih;
    if (!need_h && !need_v) {
        memcpy(out, in, (size_t)iw * (size_t)ih);
        return 0;
    }
    axis_coeffs ah = {0}, av = {0};
    uint8_t *tmp = NULL;
    int rc = -1;
    if (precompute(ih, oh, &av) < 0 || precompute(iw, ow, &ah) < 0) goto done;
    if (need_h) {
        /* only the input rows the vertical pass uses */
        const int first = av.bounds[0], last = av.bounds[2 * oh - 2] + av.bounds[2 * oh - 1];
        const int rows = need_v ? last - first : ih;
        const int row0 = need_v ? first : 0;
        uint8_t *dst = need_v ? (tmp = malloc((size_t)ow * (size_t)rows)) : out;
        if (!dst) goto done;
        pass_h(in, iw, row0, rows, &ah, dst, ow);
        if (need_v) pass_v(tmp, ow, &av, row0, out, oh);
    } else {
        pass_v(in, iw, &av, 0, out, oh);
    }
    rc = 0;
done:
    free(tmp);
    free(ah.bounds);
    free(ah.coeffs);
    free(av.bounds);
    free(av.coeffs);
    return rc;
}

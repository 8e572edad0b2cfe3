/* Chest-radiograph-like phantoms. Coordinates are x, y in [-1, 1] (y grows downwards);
 * intensities are 0..1 and quantised to 8 bits at the end. */
#include "data/synth.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

#define MAX_LESIONS 8

typedef struct {
    double cx, cy, ax, ay, rot, amp, soft;
    double wobble, lobes, phase;   /* irregular outline: radius * (1 + wobble * cos(lobes * angle + phase)) */
} lesion;

typedef struct {
    double cx, cy, scale, cos_r, sin_r;          /* pose */
    double lung_x[2], lung_y, lung_ax[2], lung_ay_top[2], lung_ay_bot[2];
    double lung_val, lung_grad, body_val, medi_val, heart_val;
    double heart_x, heart_y, heart_ax, heart_ay;
    double rib_y0, rib_spacing, rib_curve, rib_width, rib_amp;
    double grad_x, grad_y, contrast, brightness, noise;
    int n_lesions;
    lesion les[MAX_LESIONS];
} phantom;

int ddad_synth_preset(const char *name, ddad_synth_params *p)
{
    memset(p, 0, sizeof *p);
    p->seed = 1;
    p->lesion_contrast_min = 0.10;
    p->lesion_contrast_max = 0.28;
    p->lesion_radius_min = 0.05;
    p->lesion_radius_max = 0.14;
    p->lesions_max = 3;
    p->noise = 0.02;
    if (strcmp(name, "ci") == 0) {
        p->img_size = 32;
        p->normal = 96;
        p->pool0 = 64;
        p->pool1 = 64;
        p->test_normal = 32;
        p->test_abnormal = 32;
        return 0;
    }
    if (strcmp(name, "demo") == 0) {
        p->img_size = 64;
        p->normal = 600;
        p->pool0 = 300;
        p->pool1 = 300;
        p->test_normal = 150;
        p->test_abnormal = 150;
        return 0;
    }
    return -1;
}

void ddad_synth_counts(const ddad_synth_params *p, int64_t count[DDAD_NUM_SPLITS])
{
    count[DDAD_SPLIT_NORMAL] = p->normal;
    count[DDAD_SPLIT_POOL0] = p->pool0;
    count[DDAD_SPLIT_POOL1] = p->pool1;
    count[DDAD_SPLIT_TEST] = p->test_normal + p->test_abnormal;
}

int ddad_synth_is_abnormal(const ddad_synth_params *p, int split, int64_t index)
{
    if (split == DDAD_SPLIT_POOL1) return 1;
    if (split == DDAD_SPLIT_TEST) return index >= p->test_normal;
    return 0;
}

static double unif(ddad_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ddad_rng_uniform(r);
}

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

static void draw_lesion(const ddad_synth_params *p, const phantom *ph, ddad_rng *r, lesion *l)
{
    if (ddad_rng_uniform(r) < 0.85) {   /* mostly inside a lung */
        int side = (int)ddad_rng_randint(r, 0, 2);
        double t = unif(r, 0, 2 * M_PI), rad = 0.75 * sqrt(ddad_rng_uniform(r));
        l->cx = ph->lung_x[side] + rad * ph->lung_ax[side] * cos(t);
        l->cy = ph->lung_y + rad * 0.5 * (ph->lung_ay_top[side] + ph->lung_ay_bot[side]) * sin(t);
    } else {
        l->cx = unif(r, -0.7, 0.7);
        l->cy = unif(r, -0.6, 0.7);
    }
    double radius = 2.0 * unif(r, p->lesion_radius_min, p->lesion_radius_max);   /* width 2 in x */
    double ratio = unif(r, 0.6, 1.0);
    l->ax = radius;
    l->ay = radius * ratio;
    l->rot = unif(r, 0, M_PI);
    l->amp = unif(r, p->lesion_contrast_min, p->lesion_contrast_max);
    l->soft = unif(r, 0.3, 0.7);
    l->wobble = unif(r, 0.0, 0.25);
    l->lobes = (double)ddad_rng_randint(r, 2, 5);
    l->phase = unif(r, 0, 2 * M_PI);
}

static void draw_phantom(const ddad_synth_params *p, ddad_rng *r, int abnormal, phantom *ph)
{
    ph->cx = 0.04 * ddad_rng_normal(r);
    ph->cy = 0.04 * ddad_rng_normal(r);
    ph->scale = unif(r, 0.92, 1.06);
    double rot = 0.05 * ddad_rng_normal(r);
    ph->cos_r = cos(rot);
    ph->sin_r = sin(rot);
    double gap = unif(r, 0.33, 0.40);
    for (int s = 0; s < 2; s++) {
        ph->lung_x[s] = (s ? gap : -gap) + 0.02 * ddad_rng_normal(r);
        ph->lung_ax[s] = unif(r, 0.24, 0.30);
        ph->lung_ay_top[s] = unif(r, 0.45, 0.55);
        ph->lung_ay_bot[s] = unif(r, 0.55, 0.68);
    }
    ph->lung_y = unif(r, -0.12, 0.0);
    ph->lung_val = unif(r, 0.15, 0.25);
    ph->lung_grad = unif(r, 0.04, 0.12);
    ph->body_val = unif(r, 0.50, 0.60);
    ph->medi_val = unif(r, 0.70, 0.80);
    ph->heart_val = unif(r, 0.62, 0.72);
    ph->heart_x = unif(r, 0.12, 0.20);
    ph->heart_y = unif(r, 0.32, 0.42);
    ph->heart_ax = unif(r, 0.30, 0.38);
    ph->heart_ay = unif(r, 0.24, 0.30);
    ph->rib_y0 = unif(r, -0.75, -0.62);
    ph->rib_spacing = unif(r, 0.12, 0.15);
    ph->rib_curve = unif(r, 0.35, 0.6);
    ph->rib_width = unif(r, 0.018, 0.03);
    ph->rib_amp = unif(r, 0.06, 0.12);
    ph->grad_x = 0.04 * ddad_rng_normal(r);
    ph->grad_y = 0.04 * ddad_rng_normal(r);
    ph->contrast = unif(r, 0.85, 1.15);
    ph->brightness = 0.04 * ddad_rng_normal(r);
    ph->noise = p->noise * unif(r, 0.75, 1.25);
    ph->n_lesions = 0;
    if (abnormal) {
        int maxl = p->lesions_max < 1 ? 1 : p->lesions_max > MAX_LESIONS ? MAX_LESIONS : p->lesions_max;
        ph->n_lesions = (int)ddad_rng_randint(r, 1, maxl + 1);
        for (int i = 0; i < ph->n_lesions; i++) draw_lesion(p, ph, r, &ph->les[i]);
    }
}

/* 1 inside a lung, 0 outside, soft edge; the lower lobe is taller than the upper one. */
static double lung_mask(const phantom *ph, int s, double x, double y)
{
    double dx = (x - ph->lung_x[s]) / ph->lung_ax[s];
    double ay = y < ph->lung_y ? ph->lung_ay_top[s] : ph->lung_ay_bot[s];
    double dy = (y - ph->lung_y) / ay;
    return 1.0 - smoothstep(0.85, 1.05, sqrt(dx * dx + dy * dy));
}

static double anatomy(const phantom *ph, double x, double y)
{
    double bx = x / 0.9, by = (y - 0.1) / 1.15;
    double body = 1.0 - smoothstep(0.92, 1.0, sqrt(bx * bx + by * by));
    double v = 0.04 + (ph->body_val - 0.04) * body;
    double medi = 1.0 - smoothstep(0.07, 0.14, fabs(x));
    v += (ph->medi_val - v) * medi * body;
    double lung = fmax(lung_mask(ph, 0, x, y), lung_mask(ph, 1, x, y));
    double lung_v = ph->lung_val + ph->lung_grad * 0.5 * (y + 1.0);
    v += (lung_v - v) * lung;
    double hx = (x - ph->heart_x) / ph->heart_ax, hy = (y - ph->heart_y) / ph->heart_ay;
    double heart = 1.0 - smoothstep(0.7, 1.1, sqrt(hx * hx + hy * hy));
    v += (ph->heart_val - v) * heart;
    /* Ribs: bands that curve downwards away from the spine; only the nearest one counts. */
    double ax = fabs(x);
    if (ax > 0.08 && ax < 0.8) {
        double t = (y - ph->rib_y0 - ph->rib_curve * ax * ax) / ph->rib_spacing;
        if (t > -0.5 && t < 9.5) {
            double d = (t - floor(t + 0.5)) * ph->rib_spacing / ph->rib_width;
            double fade = smoothstep(0.08, 0.16, ax) * (1.0 - smoothstep(0.7, 0.8, ax));
            v += ph->rib_amp * exp(-d * d) * fade * (0.35 + 0.65 * lung) * body;
        }
    }
    return v + ph->grad_x * x + ph->grad_y * y;
}

/* Lesion opacity in [0, 1] at (x, y); *inside is set when the point is in the lesion core. */
static double lesion_profile(const lesion *l, double x, double y, int *inside)
{
    double c = cos(l->rot), s = sin(l->rot);
    double u = (x - l->cx) * c + (y - l->cy) * s, w = -(x - l->cx) * s + (y - l->cy) * c;
    double d = sqrt((u / l->ax) * (u / l->ax) + (w / l->ay) * (w / l->ay));
    if (d > 1.5) return 0.0;   /* far outside even the widest outline */
    d /= 1.0 + l->wobble * cos(l->lobes * atan2(w / l->ay, u / l->ax) + l->phase);
    double prof = 1.0 - smoothstep(1.0 - l->soft, 1.0, d);
    if (prof >= 0.5) *inside = 1;
    return prof;
}

void ddad_synth_render(const ddad_synth_params *p, int split, int64_t index, uint8_t *img, uint8_t *mask)
{
    ddad_rng r;
    ddad_rng_init(&r, p->seed, DDAD_MOD_DATA, (uint32_t)split, DDAD_RNG_SYNTH, (uint64_t)index);
    phantom ph;
    draw_phantom(p, &r, ddad_synth_is_abnormal(p, split, index), &ph);
    const int S = p->img_size;
    for (int i = 0; i < S; i++) {
        for (int j = 0; j < S; j++) {
            double px = (j + 0.5) / S * 2.0 - 1.0, py = (i + 0.5) / S * 2.0 - 1.0;
            /* image point -> phantom frame (pose: shift, scale, rotation) */
            double qx = (px - ph.cx) / ph.scale, qy = (py - ph.cy) / ph.scale;
            double x = ph.cos_r * qx + ph.sin_r * qy, y = -ph.sin_r * qx + ph.cos_r * qy;
            double v = anatomy(&ph, x, y);
            int inside = 0;
            for (int k = 0; k < ph.n_lesions; k++) v += ph.les[k].amp * lesion_profile(&ph.les[k], x, y, &inside);
            v = (v - 0.4) * ph.contrast + 0.4 + ph.brightness;
            v += ph.noise * ddad_rng_normal(&r);
            double q = floor(v * 255.0 + 0.5);
            img[i * S + j] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
            if (mask) mask[i * S + j] = (uint8_t)inside;
        }
    }
}

void ddad_synth_render_range(const ddad_synth_params *p, int split, int64_t start, int64_t count, uint8_t *imgs,
                             uint8_t *masks)
{
    const size_t px = (size_t)p->img_size * (size_t)p->img_size;
#ifdef DDAD_WITH_OPENMP
#pragma omp parallel for schedule(dynamic, 4)
#endif
    for (int64_t i = 0; i < count; i++)
        ddad_synth_render(p, split, start + i, imgs + (size_t)i * px, masks ? masks + (size_t)i * px : NULL);
}

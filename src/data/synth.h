/* Synthetic OC-SSL data: chest-radiograph-like phantoms, abnormal ones with lesions.
 * Every image is drawn from its own random stream (seed, DDAD_MOD_DATA, split,
 * DDAD_RNG_SYNTH, index), so generation runs in parallel and stays deterministic. */
#ifndef DDAD_DATA_SYNTH_H
#define DDAD_DATA_SYNTH_H

#include <stdint.h>

#include "data/dataset.h"

typedef struct {
    int img_size;
    int64_t normal, pool0, pool1, test_normal, test_abnormal;
    uint64_t seed;
    /* Lesion knobs (intensities on a 0..1 scale, sizes as fractions of the image width). */
    double lesion_contrast_min, lesion_contrast_max;
    double lesion_radius_min, lesion_radius_max;
    int lesions_max;            /* 1..lesions_max lesions per abnormal image */
    double noise;               /* per-pixel Gaussian noise, standard deviation */
} ddad_synth_params;

/* Fills p with a preset ("demo" or "ci"); returns -1 for an unknown name. */
int ddad_synth_preset(const char *name, ddad_synth_params *p);

/* Renders image `index` of `split` (for the test split, indices >= test_normal are
 * abnormal). img gets img_size^2 bytes; mask (may be NULL) gets the 0/1 lesion mask. */
void ddad_synth_render(const ddad_synth_params *p, int split, int64_t index, uint8_t *img, uint8_t *mask);

/* Renders images [start, start+count) of `split` in parallel (OpenMP when available):
 * imgs gets count*img_size^2 bytes, masks (may be NULL) as many. */
void ddad_synth_render_range(const ddad_synth_params *p, int split, int64_t start, int64_t count, uint8_t *imgs,
                             uint8_t *masks);

/* Whether image `index` of `split` is abnormal (pool1, and the test images after the normals). */
int ddad_synth_is_abnormal(const ddad_synth_params *p, int split, int64_t index);

/* Split sizes in DDAD_SPLIT_* order. */
void ddad_synth_counts(const ddad_synth_params *p, int64_t count[DDAD_NUM_SPLITS]);

#endif

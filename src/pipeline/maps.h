/* The discrepancy maps (docs/METHOD.md, "Anomaly scores"), from the outputs of all 2K members
 * in member order. The same code serves the score stage and the refiner's inputs, so the
 * refiner sees exactly the maps it is evaluated on. */
#ifndef DDAD_PIPELINE_MAPS_H
#define DDAD_PIPELINE_MAPS_H

#include <stddef.h>

/* outs: [2K][nb][C][hw] (C = 1 for AE; 2 for AE-U: mean, log-variance); x: [nb][hw].
 * rec, intra, inter: [nb][hw] each, any may be NULL. */
void ddad_discrepancy_maps(const float *outs, int K, int C, int nb, size_t hw, const float *x, float *rec,
                           float *intra, float *inter);

/* Image score: mean over the hw pixels (accumulated in double). */
float ddad_map_mean(const float *map, size_t hw);

#endif

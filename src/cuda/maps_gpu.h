/* The discrepancy maps on the GPU, with pipeline/maps.h's semantics: from the outputs of
 * all 2K members in member order (outs [2K][nb][C][hw], C = 1 for AE, 2 for AE-U) and the
 * images x [nb][hw], A_rec, A_intra and A_inter (any may be NULL). */
#ifndef DDAD_CUDA_MAPS_GPU_H
#define DDAD_CUDA_MAPS_GPU_H

#include <stddef.h>

#include "cuda/gpu_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

void ddad_discrepancy_maps_gpu(ddad_gpu_ctx *ctx, const float *outs, int K, int C, int nb, size_t hw,
                               const float *x, float *rec, float *intra, float *inter);

/* The refiner's input [nb][C_in][hw] straight from the member outputs: dual = 1 gives
 * channels [A_inter, A_intra] (R_dual), dual = 0 gives [A_intra] (R_intra). */
void ddad_refine_input_gpu(ddad_gpu_ctx *ctx, const float *outs, int K, int C, int nb, size_t hw, int dual,
                           float *in);

#ifdef __cplusplus
}
#endif

#endif

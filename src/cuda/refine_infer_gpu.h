/* The eval stage's refiner on the GPU (stage_eval.c with a GPU on every rank): the trained
 * host refiner goes up once; each call uploads a chunk of refiner inputs built on the host
 * from score.h5 and brings the class-1 probability maps back. */
#ifndef DDAD_CUDA_REFINE_INFER_GPU_H
#define DDAD_CUDA_REFINE_INFER_GPU_H

#include "model/refine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_refine_infer_gpu ddad_refine_infer_gpu;

/* host: the refiner, loaded (its parameters and BatchNorm buffers are copied now). */
ddad_refine_infer_gpu *ddad_refine_infer_gpu_create(ddad_refine *host, int in_channels, int height, int width,
                                                    int max_batch, int tf32);
void ddad_refine_infer_gpu_free(ddad_refine_infer_gpu *g);

/* in [nb][in_channels][H][W], prob1 [nb][H][W], both host memory; nb <= max_batch. */
void ddad_refine_infer_gpu_run(ddad_refine_infer_gpu *g, const float *in, int nb, float *prob1);

#ifdef __cplusplus
}
#endif

#endif

/* The score stage on the GPU (stage_score.c with a GPU on every rank): the test set goes up
 * once as uint8; chunk by chunk each rank normalises it on the device, runs its members in
 * eval mode into one device buffer, and the ranks gather every member's output over
 * ddad_gpu_comm (NCCL with one rank per GPU; staged through MPI where ranks share a GPU).
 * Rank 0 forms A_rec, A_intra and A_inter on the device (maps_gpu.h) and brings the maps
 * back for score.h5. The host members stay the reference: the CPU path computes the same
 * maps from the same checkpoints (tests/pipeline: gpu_stages). */
#ifndef DDAD_CUDA_SCORE_GPU_H
#define DDAD_CUDA_SCORE_GPU_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "model/ae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_score_gpu ddad_score_gpu;

typedef struct {
    ddad_ae *const *local;    /* this rank's members, eval mode: members rank, rank + size, ... */
    int n_local;
    int n_members, K;         /* 2K members in all */
    int channels;             /* output channels of a member: 1 (AE), 2 (AE-U) */
    const uint8_t *images;    /* the test set, [n][img_size^2] */
    int64_t n;
    int img_size;
    MPI_Comm world;           /* every rank takes part; one rank: no communicator */
    int tf32;                 /* Exp.precision tf32 */
} ddad_score_gpu_spec;

ddad_score_gpu *ddad_score_gpu_create(const ddad_score_gpu_spec *spec);
void ddad_score_gpu_free(ddad_score_gpu *g);

/* Test images per call (the largest nb ddad_score_gpu_chunk takes). */
int ddad_score_gpu_chunk_size(const ddad_score_gpu *g);

/* Scores test images [s, s + nb) (collective). On rank 0, rec, intra and inter [nb][hw]
 * (host memory) get the maps; other ranks pass NULL. */
void ddad_score_gpu_chunk(ddad_score_gpu *g, int64_t s, int nb, float *rec, float *intra, float *inter);

#ifdef __cplusplus
}
#endif

#endif

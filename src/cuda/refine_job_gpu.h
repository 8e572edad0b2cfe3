/* The refine stage of `ddad run` on the GPU (members trained, Exp.device cuda or auto with
 * a GPU on every rank). The host refiner and the 2K host members (eval mode, from their
 * checkpoints) go up once, D_n goes up once as uint8, and so do this rank's FPI patches for
 * every remaining step (ddad_fpi_draw, the very patches the CPU path applies). Steps replay
 * the captured refiner step (refine_train_gpu.h): FPI, members and maps for blocks of 128
 * samples (fewer for images above 2^20 / 128 pixels, or with DDAD_GPU_CHUNK; on one grid
 * from the training's first step, so that a resumed run rounds as an unstopped one), then per
 * step the refiner with synchronised BatchNorm, gradient all-reduce over ddad_gpu_comm,
 * Adam. */
#ifndef DDAD_CUDA_REFINE_JOB_GPU_H
#define DDAD_CUDA_REFINE_JOB_GPU_H

#include <mpi.h>
#include <stdint.h>

#include "data/fpi.h"
#include "model/adam.h"
#include "model/ae.h"
#include "model/refine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_refine_job_gpu ddad_refine_job_gpu;

typedef struct {
    ddad_refine *host;                 /* initialised or resumed; gets the state back */
    ddad_ae *const *members;           /* 2K: NDM 0..K-1, UDM 0..K-1, eval mode */
    int K, dual;                       /* dual: R_dual (2 input channels), else R_intra */
    const uint8_t *images;             /* D_n, [n][h*w] */
    int64_t n;
    int h, w;
    const ddad_fpi_patch *patches;     /* [n_steps][local_batch], this rank's samples */
    int64_t n_steps;
    int64_t first_step, total_steps;   /* the first step's global index, and the training's steps */
    int local_batch, global_batch;
    ddad_adam_cfg opt;
    MPI_Comm world;                    /* every rank takes part; one rank: no communicator */
    int tf32;
} ddad_refine_job_spec;

ddad_refine_job_gpu *ddad_refine_job_gpu_create(const ddad_refine_job_spec *spec);
void ddad_refine_job_gpu_free(ddad_refine_job_gpu *j);

/* Runs `steps` more steps and waits for them; returns the sum of this rank's parts of the
 * steps' global losses (summed over ranks, that is the sum of the steps' losses). */
double ddad_refine_job_gpu_run(ddad_refine_job_gpu *j, int64_t steps);

/* Copies the refiner's device state (parameters, Adam moments, BatchNorm buffers,
 * counters) into the host refiner. */
void ddad_refine_job_gpu_to_host(ddad_refine_job_gpu *j);

#ifdef __cplusplus
}
#endif

#endif

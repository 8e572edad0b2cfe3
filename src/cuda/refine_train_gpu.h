/* Refiner training on the GPU with no host work per step (single rank, or one rank per GPU
 * over NCCL). Every block_steps steps, one "prep" part makes the refiner inputs of all of
 * them: foreign patch interpolation on the device-resident D_n images, the 2K frozen
 * members in eval mode at batch block_steps x local_batch, the discrepancy maps. Each step
 * then copies its slot of that block, runs the refiner forward/backward with synchronised
 * BatchNorm, the gradient all-reduce and Adam, and advances the cursors. Both parts are
 * captured once as CUDA graphs and replayed. When the communicator needs the host (ranks
 * sharing a GPU), the same sequence is launched eagerly instead. The samples and the
 * update are those of per-step forwards up to rounding: eval-mode members treat every
 * sample alone, but cuDNN may choose other algorithms at the larger batch. */
#ifndef DDAD_CUDA_REFINE_TRAIN_GPU_H
#define DDAD_CUDA_REFINE_TRAIN_GPU_H

#include <stdint.h>

#include "cuda/ae_gpu.h"
#include "cuda/ae_train_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/nccl_comm.h"
#include "cuda/refine_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_refine_gpu_trainer ddad_refine_gpu_trainer;

/* members: 2K inference networks (NDM 0..K-1, then UDM 0..K-1), max_batch >=
 * block_steps x local_batch.
 * The blocks lie on a grid that starts lead steps (0 <= lead < block_steps) before the
 * first step: a run resumed at global step g passes g % block_steps, so that every step
 * is prepared in the same slot of a block of the same size as in a run that never
 * stopped, and the members round alike (the caller fixes block_steps for the whole
 * training, not for the steps left).
 * dual = 1: R_dual ([A_inter, A_intra], the refiner has 2 input channels); 0: R_intra.
 * d_patches: [n_steps][local_batch] on the device, this rank's samples of every step.
 * comm: NULL for one rank. Loss readings are this rank's part of the global mean loss. */
ddad_refine_gpu_trainer *ddad_refine_gpu_trainer_create(ddad_refine_gpu *r, ddad_ae_gpu *const *members, int K,
                                                        int dual, const uint8_t *d_images, int h, int w,
                                                        const ddad_fpi_patch *d_patches, int64_t n_steps,
                                                        int local_batch, int global_batch, const ddad_adam_cfg *opt,
                                                        ddad_gpu_comm *comm, int loss_every, int use_graph,
                                                        int block_steps, int lead);
void ddad_refine_gpu_trainer_free(ddad_refine_gpu_trainer *t);
void ddad_refine_gpu_trainer_run(ddad_refine_gpu_trainer *t, int64_t steps);
/* As ddad_ae_gpu_trainer_poll (rec_err is 0). */
int ddad_refine_gpu_trainer_poll(ddad_refine_gpu_trainer *t, int wait, ddad_loss_reading *out);
/* 1 when the steps are replayed from a graph. */
int ddad_refine_gpu_trainer_uses_graph(const ddad_refine_gpu_trainer *t);
/* Steps per prep block. */
int ddad_refine_gpu_trainer_block(const ddad_refine_gpu_trainer *t);

#ifdef __cplusplus
}
#endif

#endif

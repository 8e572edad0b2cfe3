#include "cuda/refine_job_gpu.h"

#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "cuda/ae_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_chunk.h"
#include "cuda/gpu_ctx.h"
#include "cuda/loss_drain.h"
#include "cuda/nccl_comm.h"
#include "cuda/refine_gpu.h"
#include "cuda/refine_train_gpu.h"

/* Samples per prep block: the members' forwards at batch 8 are launch-bound, at 128 not;
 * at most 2^20 pixels, so each member's activations stay near 128 MiB at any image size. */
#define REFINE_BLOCK_SAMPLES 128
#define REFINE_BLOCK_PIXELS ((size_t)1 << 20)

struct ddad_refine_job_gpu {
    ddad_refine *host;
    ddad_gpu_ctx *ctx;
    ddad_refine_gpu *refiner;
    ddad_ae_gpu **members;
    int n_members;
    ddad_gpu_comm *comm;
    ddad_refine_gpu_trainer *trainer;
    uint8_t *d_images;
    ddad_fpi_patch *d_patches;
    size_t images_bytes, patches_bytes;
};

ddad_refine_job_gpu *ddad_refine_job_gpu_create(const ddad_refine_job_spec *s)
{
    ddad_refine_job_gpu *j = ddad_calloc(1, sizeof *j, "GPU refiner job");
    int size = 1;
    DDAD_CHECK_MPI(MPI_Comm_size(s->world, &size));
    j->host = s->host;
    j->ctx = ddad_gpu_ctx_create(s->tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
    if (size > 1) {
        const ddad_gpu_placement *pl = ddad_gpu_last_placement();
        if (!pl) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: no GPU placement (ddad_gpu_place was not run)");
        j->comm = ddad_gpu_comm_create(s->world, pl);
    }
    /* the members' inputs for about 128 samples are made at once (refine_train_gpu.h) */
    const size_t hw = (size_t)s->h * (size_t)s->w;
    /* fixed for the whole training (its samples, not those left), and on a grid from its
     * first step, so that a resumed run prepares each step in the same slot of the
     * same-sized block (refine_train_gpu.h) */
    if (s->total_steps < 1 || s->first_step < 0 || s->first_step + s->n_steps > s->total_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner: steps %lld..%lld of %lld", (long long)s->first_step,
                   (long long)(s->first_step + s->n_steps), (long long)s->total_steps);
    const size_t samples = (size_t)s->total_steps * (size_t)s->local_batch;
    int block = ddad_gpu_chunk(REFINE_BLOCK_SAMPLES, REFINE_BLOCK_PIXELS / hw, samples) / s->local_batch;
    if (block < 1) block = 1;
    const int lead = (int)(s->first_step % block);
    j->n_members = 2 * s->K;
    j->members = ddad_calloc((size_t)j->n_members, sizeof *j->members, "GPU members");
    for (int m = 0; m < j->n_members; m++) {
        j->members[m] = ddad_ae_gpu_create(j->ctx, ddad_ae_get_shape(s->members[m]), block * s->local_batch, 0);
        ddad_ae_gpu_upload(j->members[m], ddad_ae_paramset(s->members[m]));
    }
    j->refiner = ddad_refine_gpu_create(j->ctx, s->dual ? 2 : 1, s->h, s->w, s->local_batch, 1);
    ddad_refine_gpu_upload(j->refiner, ddad_refine_paramset(s->host));

    j->images_bytes = (size_t)s->n * (size_t)s->h * (size_t)s->w;
    j->d_images = ddad_gpu_malloc(j->images_bytes, "D_n on the GPU");
    ddad_gpu_upload(j->ctx, j->d_images, s->images, j->images_bytes);
    j->patches_bytes = sizeof(ddad_fpi_patch) * (size_t)s->n_steps * (size_t)s->local_batch;
    j->d_patches = ddad_gpu_malloc(j->patches_bytes, "the refiner's FPI patches");
    ddad_gpu_upload(j->ctx, j->d_patches, s->patches, j->patches_bytes);

    /* one loss reading per step, as the CPU path sums them */
    j->trainer = ddad_refine_gpu_trainer_create(j->refiner, j->members, s->K, s->dual, j->d_images, s->h, s->w,
                                                j->d_patches, s->n_steps, s->local_batch, s->global_batch, &s->opt,
                                                j->comm, 1, 1, block, lead);
    /* the trainer keeps its own padded copy of the patches */
    ddad_gpu_free(j->d_patches, j->patches_bytes);
    j->d_patches = NULL;
    return j;
}

static void run_refiner(void *t, int64_t steps) { ddad_refine_gpu_trainer_run(t, steps); }
static int poll_refiner(void *t, int wait, ddad_loss_reading *out)
{
    return ddad_refine_gpu_trainer_poll(t, wait, out);
}

double ddad_refine_job_gpu_run(ddad_refine_job_gpu *j, int64_t steps)
{
    const ddad_loss_source src = {j->trainer, run_refiner, poll_refiner, "GPU refiner"};
    return ddad_run_summing_losses(&src, steps);
}

void ddad_refine_job_gpu_to_host(ddad_refine_job_gpu *j)
{
    ddad_refine_gpu_download(j->refiner, ddad_refine_paramset(j->host));
}

void ddad_refine_job_gpu_free(ddad_refine_job_gpu *j)
{
    if (!j) return;
    ddad_refine_gpu_trainer_free(j->trainer);
    for (int m = 0; m < j->n_members; m++) ddad_ae_gpu_free(j->members[m]);
    free(j->members);
    ddad_refine_gpu_free(j->refiner);
    if (j->comm) ddad_gpu_comm_free(j->comm);
    ddad_gpu_free(j->d_patches, j->patches_bytes);
    ddad_gpu_free(j->d_images, j->images_bytes);
    ddad_gpu_ctx_free(j->ctx);
    free(j);
}

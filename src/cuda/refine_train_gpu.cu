// Graph-replayed refiner training: FPI, frozen members and maps for a block of steps at
// once; per step the refiner's forward/backward, all-reduce and Adam.
#include <stdlib.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/graph_part.h"
#include "cuda/maps_gpu.h"
#include "cuda/refine_train_gpu.h"

struct ddad_refine_gpu_trainer {
    ddad_refine_gpu *r;
    ddad_gpu_ctx *ctx;
    ddad_ae_gpu *members[64];
    int K, C, cin, dual, h, w, local, global;
    int block;                          // steps whose refiner inputs are prepared together
    int lead;                           // slots of the first block before the first step
    int64_t n_blocks;
    const uint8_t *images;
    ddad_fpi_patch *patches;            // [n_blocks * block][local], zero patches outside the steps
    size_t patches_bytes;
    int64_t n_steps, done;
    ddad_adam_cfg opt;
    ddad_gpu_comm *comm;
    ddad_gpu_reducer red;
    int loss_every, use_graph;
    ddad_graph_part prep, step;
    int64_t *cursors;                   // [0]: block, [1]: step within the block
    float *x, *outs, *in_block, *in;    // x, outs, in_block: a block's samples; in: one step's
    uint8_t *target_block, *target;
    size_t x_bytes, outs_bytes, in_block_bytes, in_bytes, target_block_bytes, target_bytes;
    ddad_loss_ring ring;
};

// A block's refiner inputs: FPI on its block * local samples, the 2K members at that
// batch, the maps. The members' forwards are the same per-sample computation at any
// batch (eval mode), and at batch 8 they are launch-bound: 6 members of ~40 kernels each
// per step would cost more than the refiner's own step.
static void enqueue_prep(void *arg)
{
    ddad_refine_gpu_trainer *t = (ddad_refine_gpu_trainer *)arg;
    ddad_gpu_ctx *ctx = t->ctx;
    const int nb = t->block * t->local;
    const size_t hw = (size_t)t->h * t->w, per_member = (size_t)nb * t->C * hw;
    ddad_fpi_apply_gpu(ctx, t->images, t->h, t->w, t->patches, &t->cursors[0], nb, t->x, t->target_block);
    for (int m = 0; m < 2 * t->K; m++) ddad_ae_gpu_forward(t->members[m], t->x, nb, 0, t->outs + m * per_member);
    ddad_refine_input_gpu(ctx, t->outs, t->K, t->C, nb, hw, t->dual, t->in_block);
    ddad_cursor_advance_gpu(ctx, &t->cursors[0], t->n_blocks);
}

static void enqueue_step(void *arg)
{
    ddad_refine_gpu_trainer *t = (ddad_refine_gpu_trainer *)arg;
    ddad_gpu_ctx *ctx = t->ctx;
    ddad_copy_slot_gpu(ctx, t->in_block, t->in_bytes, &t->cursors[1], t->in);
    ddad_copy_slot_gpu(ctx, t->target_block, t->target_bytes, &t->cursors[1], t->target);
    ddad_refine_gpu_forward_backward(t->r, t->in, t->target, t->local, t->global, t->comm ? &t->red : NULL);
    if (t->comm)
        ddad_gpu_allreduce_sum_float(t->comm, ddad_refine_gpu_grads(t->r), ddad_refine_gpu_n_params(t->r), ctx->stream);
    ddad_refine_gpu_adam(t->r, &t->opt);
    ddad_cursor_advance_gpu(ctx, &t->cursors[1], t->block);
}

extern "C" ddad_refine_gpu_trainer *ddad_refine_gpu_trainer_create(ddad_refine_gpu *r, ddad_ae_gpu *const *members,
                                                                   int K, int dual, const uint8_t *d_images, int h,
                                                                   int w, const ddad_fpi_patch *d_patches,
                                                                   int64_t n_steps, int local_batch, int global_batch,
                                                                   const ddad_adam_cfg *opt, ddad_gpu_comm *comm,
                                                                   int loss_every, int use_graph, int block_steps,
                                                                   int lead)
{
    if (K < 2 || 2 * K > 64) ddad_fatal(DDAD_EXIT_USAGE, "GPU refiner trainer: K = %d (need 2..32)", K);
    if (ddad_refine_gpu_in_channels(r) != (dual ? 2 : 1))
        ddad_fatal(DDAD_EXIT_USAGE, "GPU refiner trainer: %s needs %d input channels, the refiner has %d",
                   dual ? "R_dual" : "R_intra", dual ? 2 : 1, ddad_refine_gpu_in_channels(r));
    if (n_steps < 1 || local_batch < 1 || block_steps < 1 || lead < 0 || lead >= block_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner trainer: %lld steps of %d, blocks of %d from slot %d",
                   (long long)n_steps, local_batch, block_steps, lead);
    for (int m = 0; m < 2 * K; m++)
        if (ddad_ae_gpu_max_batch(members[m]) < block_steps * local_batch)
            ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner trainer: member %d takes batches up to %d, a block of %d steps "
                       "needs %d", m, ddad_ae_gpu_max_batch(members[m]), block_steps, block_steps * local_batch);
    ddad_refine_gpu_trainer *t = (ddad_refine_gpu_trainer *)ddad_calloc(1, sizeof *t, "GPU refiner trainer");
    t->r = r;
    t->ctx = ddad_ae_gpu_context(members[0]);
    for (int m = 0; m < 2 * K; m++) {
        t->members[m] = members[m];
        ddad_ae_gpu_freeze(members[m]);   // frozen in eval mode for the whole stage
    }
    t->K = K;
    t->C = ddad_ae_gpu_out_channels(members[0]);
    t->dual = dual;
    t->cin = dual ? 2 : 1;
    t->h = h;
    t->w = w;
    t->local = local_batch;
    t->global = global_batch;
    t->block = block_steps;
    t->lead = lead;
    t->n_blocks = (lead + n_steps + block_steps - 1) / block_steps;
    t->images = d_images;
    t->n_steps = n_steps;
    t->opt = *opt;
    t->comm = comm;
    if (comm) t->red = ddad_gpu_comm_reducer(comm);
    t->loss_every = loss_every < 1 ? 1 : loss_every;
    t->use_graph = use_graph && (!comm || ddad_gpu_comm_capturable(comm));
    if (use_graph && !t->use_graph)
        log_info("refiner steps launched eagerly: the GPU collectives go through the host (ranks share a GPU)");
    cudaStream_t st = t->ctx->stream;

    // The first block's slots before the first step (lead) and the last block's after the
    // last step get zero patches (image 0, no patch): prepared and never trained on.
    t->patches_bytes = sizeof(ddad_fpi_patch) * (size_t)t->n_blocks * block_steps * local_batch;
    t->patches = (ddad_fpi_patch *)ddad_gpu_malloc(t->patches_bytes, "refiner FPI patches, padded");
    DDAD_CHECK_CUDA(cudaMemsetAsync(t->patches, 0, t->patches_bytes, st));
    DDAD_CHECK_CUDA(cudaMemcpyAsync(t->patches + (size_t)lead * local_batch, d_patches,
                                    sizeof(ddad_fpi_patch) * (size_t)n_steps * local_batch, cudaMemcpyDeviceToDevice,
                                    st));

    const size_t hw = (size_t)h * w, nb = (size_t)block_steps * local_batch;
    t->x_bytes = sizeof(float) * nb * hw;
    t->outs_bytes = sizeof(float) * 2 * K * t->C * nb * hw;
    t->in_bytes = sizeof(float) * t->cin * (size_t)local_batch * hw;
    t->in_block_bytes = t->in_bytes * block_steps;
    t->target_bytes = (size_t)local_batch * hw;
    t->target_block_bytes = t->target_bytes * block_steps;
    if (t->target_bytes % 4 != 0)
        ddad_fatal(DDAD_EXIT_USAGE, "GPU refiner trainer: %d x %d images of batch %d: the step's targets must be a "
                   "multiple of 4 bytes", h, w, local_batch);
    t->x = (float *)ddad_gpu_malloc(t->x_bytes, "refiner block images");
    t->outs = (float *)ddad_gpu_malloc(t->outs_bytes, "member outputs");
    t->in_block = (float *)ddad_gpu_malloc(t->in_block_bytes, "refiner block inputs");
    t->in = (float *)ddad_gpu_malloc(t->in_bytes, "refiner input");
    t->target_block = (uint8_t *)ddad_gpu_malloc(t->target_block_bytes, "refiner block targets");
    t->target = (uint8_t *)ddad_gpu_malloc(t->target_bytes, "refiner targets");
    t->cursors = (int64_t *)ddad_gpu_malloc(2 * sizeof(int64_t), "refiner cursors");
    const int64_t start[2] = {0, lead};
    ddad_gpu_upload(t->ctx, t->cursors, start, sizeof start);
    ddad_loss_ring_init(&t->ring, 1, comm);
    ddad_gpu_ctx_sync(t->ctx);
    return t;
}

extern "C" void ddad_refine_gpu_trainer_free(ddad_refine_gpu_trainer *t)
{
    if (!t) return;
    ddad_gpu_ctx_sync(t->ctx);
    ddad_graph_part_free(&t->prep);
    ddad_graph_part_free(&t->step);
    ddad_loss_ring_free(&t->ring);
    ddad_gpu_free(t->patches, t->patches_bytes);
    ddad_gpu_free(t->x, t->x_bytes);
    ddad_gpu_free(t->outs, t->outs_bytes);
    ddad_gpu_free(t->in_block, t->in_block_bytes);
    ddad_gpu_free(t->in, t->in_bytes);
    ddad_gpu_free(t->target_block, t->target_block_bytes);
    ddad_gpu_free(t->target, t->target_bytes);
    ddad_gpu_free(t->cursors, 2 * sizeof(int64_t));
    free(t);
}

extern "C" void ddad_refine_gpu_trainer_run(ddad_refine_gpu_trainer *t, int64_t steps)
{
    if (steps < 0 || t->done + steps > t->n_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner trainer: %lld steps asked, %lld of %lld remain", (long long)steps,
                   (long long)(t->n_steps - t->done), (long long)t->n_steps);
    cudaStream_t st = t->ctx->stream;
    for (int64_t i = 0; i < steps; i++) {
        const int first = !t->use_graph || t->done == 0;   // each part's first use is eager
        if (t->done == 0 || (t->lead + t->done) % t->block == 0)
            ddad_graph_part_launch(&t->prep, st, first, enqueue_prep, t);
        ddad_graph_part_launch(&t->step, st, first, enqueue_step, t);
        t->done++;
        if (t->done % t->loss_every == 0 || t->done == t->n_steps)
            ddad_loss_ring_record(&t->ring, ddad_refine_gpu_loss(t->r), t->done, st);
    }
}

extern "C" int ddad_refine_gpu_trainer_poll(ddad_refine_gpu_trainer *t, int wait, ddad_loss_reading *out)
{
    return ddad_loss_ring_poll(&t->ring, wait, out);
}

extern "C" int ddad_refine_gpu_trainer_uses_graph(const ddad_refine_gpu_trainer *t) { return t->use_graph; }
extern "C" int ddad_refine_gpu_trainer_block(const ddad_refine_gpu_trainer *t) { return t->block; }

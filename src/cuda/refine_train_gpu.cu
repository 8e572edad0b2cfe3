// Graph-replayed refiner training: FPI, frozen members, maps, refiner step, all-reduce, Adam.
#include <stdlib.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/maps_gpu.h"
#include "cuda/refine_train_gpu.h"

#define RING DDAD_GPU_LOSS_RING

struct ddad_refine_gpu_trainer {
    ddad_refine_gpu *r;
    ddad_gpu_ctx *ctx;
    ddad_ae_gpu *members[64];
    int K, C, dual, h, w, local, global;
    const uint8_t *images;
    const ddad_fpi_patch *patches;
    int64_t n_steps, done;
    ddad_adam_cfg opt;
    ddad_gpu_comm *comm;
    ddad_gpu_reducer red;
    int loss_every, use_graph, have_graph;
    cudaGraphExec_t exec;
    int64_t *cursor;
    float *x, *outs, *in;
    uint8_t *target;
    size_t x_bytes, outs_bytes, in_bytes;
    float *pinned;
    cudaEvent_t ev[RING];
    int64_t ring_step[RING];
    int head, count;
};

static void enqueue_step(ddad_refine_gpu_trainer *t)
{
    ddad_gpu_ctx *ctx = t->ctx;
    const size_t hw = (size_t)t->h * t->w, per_member = (size_t)t->local * t->C * hw;
    ddad_fpi_apply_gpu(ctx, t->images, t->h, t->w, t->patches, t->cursor, t->local, t->x, t->target);
    for (int m = 0; m < 2 * t->K; m++) ddad_ae_gpu_forward(t->members[m], t->x, t->local, 0, t->outs + m * per_member);
    ddad_refine_input_gpu(ctx, t->outs, t->K, t->C, t->local, hw, t->dual, t->in);
    ddad_refine_gpu_forward_backward(t->r, t->in, t->target, t->local, t->global, t->comm ? &t->red : NULL);
    if (t->comm)
        ddad_gpu_allreduce_sum_float(t->comm, ddad_refine_gpu_grads(t->r), ddad_refine_gpu_n_params(t->r), ctx->stream);
    ddad_refine_gpu_adam(t->r, &t->opt);
    ddad_cursor_advance_gpu(ctx, t->cursor, t->n_steps);
}

extern "C" ddad_refine_gpu_trainer *ddad_refine_gpu_trainer_create(ddad_refine_gpu *r, ddad_ae_gpu *const *members,
                                                                   int K, int dual, const uint8_t *d_images, int h,
                                                                   int w, const ddad_fpi_patch *d_patches,
                                                                   int64_t n_steps, int local_batch, int global_batch,
                                                                   const ddad_adam_cfg *opt, ddad_gpu_comm *comm,
                                                                   int loss_every, int use_graph)
{
    if (K < 2 || 2 * K > 64) ddad_fatal(DDAD_EXIT_USAGE, "GPU refiner trainer: K = %d (need 2..32)", K);
    if (ddad_refine_gpu_in_channels(r) != (dual ? 2 : 1))
        ddad_fatal(DDAD_EXIT_USAGE, "GPU refiner trainer: %s needs %d input channels, the refiner has %d",
                   dual ? "R_dual" : "R_intra", dual ? 2 : 1, ddad_refine_gpu_in_channels(r));
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
    t->h = h;
    t->w = w;
    t->local = local_batch;
    t->global = global_batch;
    t->images = d_images;
    t->patches = d_patches;
    t->n_steps = n_steps;
    t->opt = *opt;
    t->comm = comm;
    if (comm) t->red = ddad_gpu_comm_reducer(comm);
    t->loss_every = loss_every < 1 ? 1 : loss_every;
    t->use_graph = use_graph && (!comm || ddad_gpu_comm_capturable(comm));
    if (use_graph && !t->use_graph)
        log_info("refiner steps launched eagerly: the GPU collectives go through the host (ranks share a GPU)");
    const size_t hw = (size_t)h * w;
    t->x_bytes = sizeof(float) * local_batch * hw;
    t->outs_bytes = sizeof(float) * 2 * K * t->C * local_batch * hw;
    t->in_bytes = sizeof(float) * (dual ? 2 : 1) * local_batch * hw;
    t->x = (float *)ddad_gpu_malloc(t->x_bytes, "refiner batch");
    t->outs = (float *)ddad_gpu_malloc(t->outs_bytes, "member outputs");
    t->in = (float *)ddad_gpu_malloc(t->in_bytes, "refiner input");
    t->target = (uint8_t *)ddad_gpu_malloc((size_t)local_batch * hw, "refiner targets");
    t->cursor = (int64_t *)ddad_gpu_malloc(sizeof(int64_t), "batch cursor");
    DDAD_CHECK_CUDA(cudaMemsetAsync(t->cursor, 0, sizeof(int64_t), t->ctx->stream));
    DDAD_CHECK_CUDA(cudaHostAlloc((void **)&t->pinned, RING * sizeof(float), cudaHostAllocDefault));
    for (int i = 0; i < RING; i++) DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&t->ev[i], cudaEventDisableTiming));
    return t;
}

extern "C" void ddad_refine_gpu_trainer_free(ddad_refine_gpu_trainer *t)
{
    if (!t) return;
    ddad_gpu_ctx_sync(t->ctx);
    if (t->have_graph) DDAD_CHECK_CUDA(cudaGraphExecDestroy(t->exec));
    for (int i = 0; i < RING; i++) DDAD_CHECK_CUDA(cudaEventDestroy(t->ev[i]));
    DDAD_CHECK_CUDA(cudaFreeHost(t->pinned));
    const size_t hw = (size_t)t->h * t->w;
    ddad_gpu_free(t->x, t->x_bytes);
    ddad_gpu_free(t->outs, t->outs_bytes);
    ddad_gpu_free(t->in, t->in_bytes);
    ddad_gpu_free(t->target, (size_t)t->local * hw);
    ddad_gpu_free(t->cursor, sizeof(int64_t));
    free(t);
}

static void record_loss(ddad_refine_gpu_trainer *t)
{
    if (t->count == RING) {
        ddad_gpu_comm_wait_event(t->comm, t->ev[t->head]);
        t->head = (t->head + 1) % RING;
        t->count--;
    }
    int slot = (t->head + t->count) % RING;
    DDAD_CHECK_CUDA(cudaMemcpyAsync(t->pinned + slot, ddad_refine_gpu_loss(t->r), sizeof(float),
                                    cudaMemcpyDeviceToHost, t->ctx->stream));
    DDAD_CHECK_CUDA(cudaEventRecord(t->ev[slot], t->ctx->stream));
    t->ring_step[slot] = t->done;
    t->count++;
}

extern "C" void ddad_refine_gpu_trainer_run(ddad_refine_gpu_trainer *t, int64_t steps)
{
    if (steps < 0 || t->done + steps > t->n_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU refiner trainer: %lld steps asked, %lld of %lld remain", (long long)steps,
                   (long long)(t->n_steps - t->done), (long long)t->n_steps);
    for (int64_t i = 0; i < steps; i++) {
        if (!t->use_graph || t->done == 0) {
            enqueue_step(t);
        } else {
            if (!t->have_graph) {
                cudaGraph_t graph;
                DDAD_CHECK_CUDA(cudaStreamBeginCapture(t->ctx->stream, cudaStreamCaptureModeThreadLocal));
                enqueue_step(t);
                DDAD_CHECK_CUDA(cudaStreamEndCapture(t->ctx->stream, &graph));
                DDAD_CHECK_CUDA(cudaGraphInstantiate(&t->exec, graph, 0));
                DDAD_CHECK_CUDA(cudaGraphDestroy(graph));
                t->have_graph = 1;
            }
            DDAD_CHECK_CUDA(cudaGraphLaunch(t->exec, t->ctx->stream));
        }
        t->done++;
        if (t->done % t->loss_every == 0 || t->done == t->n_steps) record_loss(t);
    }
}

extern "C" int ddad_refine_gpu_trainer_poll(ddad_refine_gpu_trainer *t, int wait, ddad_loss_reading *out)
{
    if (t->count == 0) return 0;
    if (wait) {
        ddad_gpu_comm_wait_event(t->comm, t->ev[t->head]);   // cudaEventSynchronize without NCCL
    } else {
        if (!ddad_gpu_event_done(t->ev[t->head])) return 0;
    }
    out->step = t->ring_step[t->head];
    out->loss = t->pinned[t->head];
    out->rec_err = 0.0f;
    t->head = (t->head + 1) % RING;
    t->count--;
    return 1;
}

extern "C" int ddad_refine_gpu_trainer_uses_graph(const ddad_refine_gpu_trainer *t) { return t->use_graph; }

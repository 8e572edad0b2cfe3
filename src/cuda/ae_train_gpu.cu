// Graph-replayed member training with asynchronous loss read-back.
#include <stdlib.h>
#include <string.h>

#include "cuda/ae_train_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"

#define RING DDAD_GPU_LOSS_RING

struct ddad_ae_gpu_trainer {
    ddad_ae_gpu *ae;
    ddad_gpu_ctx *ctx;
    const uint8_t *images;
    const int64_t *order;
    int64_t n_steps, done;
    int batch, hw, loss_every, use_graph;
    ddad_adam_cfg opt;
    int64_t *cursor;            // device: next schedule row
    cudaGraphExec_t exec;
    int have_graph;
    float *pinned;              // RING x {loss, rec_err}
    cudaEvent_t ev[RING];
    int64_t ring_step[RING];
    int head, count;            // oldest pending slot, pending readings
};

static void enqueue_step(ddad_ae_gpu_trainer *t)
{
    float *x = ddad_ae_gpu_input(t->ae);
    ddad_gather_batch_gpu(t->ctx, t->images, (size_t)t->hw, t->order, t->cursor, t->batch, x);
    ddad_ae_gpu_train_step(t->ae, x, t->batch, &t->opt);
    ddad_cursor_advance_gpu(t->ctx, t->cursor, t->n_steps);
}

extern "C" ddad_ae_gpu_trainer *ddad_ae_gpu_trainer_create(ddad_ae_gpu *ae, const uint8_t *d_images,
                                                           const int64_t *d_order, int64_t n_steps, int batch,
                                                           const ddad_adam_cfg *opt, int loss_every, int use_graph)
{
    ddad_ae_gpu_trainer *t = (ddad_ae_gpu_trainer *)ddad_calloc(1, sizeof *t, "GPU trainer");
    t->ae = ae;
    t->ctx = ddad_ae_gpu_context(ae);
    t->images = d_images;
    t->order = d_order;
    t->n_steps = n_steps;
    t->batch = batch;
    const int S = ddad_ae_gpu_img_size(ae);
    t->hw = S * S;
    t->loss_every = loss_every < 1 ? 1 : loss_every;
    t->use_graph = use_graph;
    t->opt = *opt;
    t->cursor = (int64_t *)ddad_gpu_malloc(sizeof(int64_t), "batch cursor");
    DDAD_CHECK_CUDA(cudaMemsetAsync(t->cursor, 0, sizeof(int64_t), t->ctx->stream));
    DDAD_CHECK_CUDA(cudaHostAlloc((void **)&t->pinned, RING * 2 * sizeof(float), cudaHostAllocDefault));
    for (int i = 0; i < RING; i++) DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&t->ev[i], cudaEventDisableTiming));
    return t;
}

extern "C" void ddad_ae_gpu_trainer_free(ddad_ae_gpu_trainer *t)
{
    if (!t) return;
    ddad_gpu_ctx_sync(t->ctx);
    if (t->have_graph) DDAD_CHECK_CUDA(cudaGraphExecDestroy(t->exec));
    for (int i = 0; i < RING; i++) DDAD_CHECK_CUDA(cudaEventDestroy(t->ev[i]));
    DDAD_CHECK_CUDA(cudaFreeHost(t->pinned));
    ddad_gpu_free(t->cursor, sizeof(int64_t));
    free(t);
}

static void capture(ddad_ae_gpu_trainer *t)
{
    cudaGraph_t graph;
    DDAD_CHECK_CUDA(cudaStreamBeginCapture(t->ctx->stream, cudaStreamCaptureModeThreadLocal));
    enqueue_step(t);
    DDAD_CHECK_CUDA(cudaStreamEndCapture(t->ctx->stream, &graph));
    DDAD_CHECK_CUDA(cudaGraphInstantiate(&t->exec, graph, 0));
    DDAD_CHECK_CUDA(cudaGraphDestroy(graph));
    t->have_graph = 1;
}

static void record_loss(ddad_ae_gpu_trainer *t)
{
    if (t->count == RING) {
        // The ring is full: the oldest reading is dropped after it lands (rarely: poll more often).
        DDAD_CHECK_CUDA(cudaEventSynchronize(t->ev[t->head]));
        t->head = (t->head + 1) % RING;
        t->count--;
    }
    int slot = (t->head + t->count) % RING;
    DDAD_CHECK_CUDA(cudaMemcpyAsync(t->pinned + 2 * slot, ddad_ae_gpu_loss(t->ae), 2 * sizeof(float),
                                    cudaMemcpyDeviceToHost, t->ctx->stream));
    DDAD_CHECK_CUDA(cudaEventRecord(t->ev[slot], t->ctx->stream));
    t->ring_step[slot] = t->done;
    t->count++;
}

extern "C" void ddad_ae_gpu_trainer_run(ddad_ae_gpu_trainer *t, int64_t steps)
{
    if (steps < 0 || t->done + steps > t->n_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU trainer: %lld steps asked, %lld of %lld remain", (long long)steps,
                   (long long)(t->n_steps - t->done), (long long)t->n_steps);
    for (int64_t i = 0; i < steps; i++) {
        if (!t->use_graph || t->done == 0) {
            enqueue_step(t);
        } else {
            if (!t->have_graph) capture(t);
            DDAD_CHECK_CUDA(cudaGraphLaunch(t->exec, t->ctx->stream));
        }
        t->done++;
        if (t->done % t->loss_every == 0 || t->done == t->n_steps) record_loss(t);
    }
}

extern "C" int64_t ddad_ae_gpu_trainer_steps_done(const ddad_ae_gpu_trainer *t) { return t->done; }

extern "C" int ddad_ae_gpu_trainer_poll(ddad_ae_gpu_trainer *t, int wait, ddad_loss_reading *out)
{
    if (t->count == 0) return 0;
    if (wait) {
        DDAD_CHECK_CUDA(cudaEventSynchronize(t->ev[t->head]));
    } else {
        if (!ddad_gpu_event_done(t->ev[t->head])) return 0;
    }
    out->step = t->ring_step[t->head];
    out->loss = t->pinned[2 * t->head];
    out->rec_err = t->pinned[2 * t->head + 1];
    t->head = (t->head + 1) % RING;
    t->count--;
    return 1;
}

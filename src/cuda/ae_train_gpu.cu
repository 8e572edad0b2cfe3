// Graph-replayed member training with asynchronous loss read-back.
#include <stdlib.h>
#include <string.h>

#include "cuda/ae_train_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/graph_part.h"

struct ddad_ae_gpu_trainer {
    ddad_ae_gpu *ae;
    ddad_gpu_ctx *ctx;
    const uint8_t *images;
    const int64_t *order;
    int64_t n_steps, done;
    int batch, hw, loss_every, use_graph;
    ddad_adam_cfg opt;
    int64_t *cursor;            // device: next schedule row
    ddad_graph_part step;
    ddad_loss_ring ring;        // {loss, rec_err} readings
};

static void enqueue_step(void *arg)
{
    ddad_ae_gpu_trainer *t = (ddad_ae_gpu_trainer *)arg;
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
    ddad_loss_ring_init(&t->ring, 2, NULL);   // ddad_ae_gpu_loss: the loss, then rec_err
    return t;
}

extern "C" void ddad_ae_gpu_trainer_free(ddad_ae_gpu_trainer *t)
{
    if (!t) return;
    ddad_gpu_ctx_sync(t->ctx);
    ddad_graph_part_free(&t->step);
    ddad_loss_ring_free(&t->ring);
    ddad_gpu_free(t->cursor, sizeof(int64_t));
    free(t);
}

extern "C" void ddad_ae_gpu_trainer_run(ddad_ae_gpu_trainer *t, int64_t steps)
{
    if (steps < 0 || t->done + steps > t->n_steps)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU trainer: %lld steps asked, %lld of %lld remain", (long long)steps,
                   (long long)(t->n_steps - t->done), (long long)t->n_steps);
    for (int64_t i = 0; i < steps; i++) {
        ddad_graph_part_launch(&t->step, t->ctx->stream, !t->use_graph || t->done == 0, enqueue_step, t);
        t->done++;
        if (t->done % t->loss_every == 0 || t->done == t->n_steps)
            ddad_loss_ring_record(&t->ring, ddad_ae_gpu_loss(t->ae), t->done, t->ctx->stream);
    }
}

extern "C" int64_t ddad_ae_gpu_trainer_steps_done(const ddad_ae_gpu_trainer *t) { return t->done; }

extern "C" int ddad_ae_gpu_trainer_poll(ddad_ae_gpu_trainer *t, int wait, ddad_loss_reading *out)
{
    return ddad_loss_ring_poll(&t->ring, wait, out);
}

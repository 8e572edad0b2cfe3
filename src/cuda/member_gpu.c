#include "cuda/member_gpu.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "cuda/ae_gpu.h"
#include "cuda/ae_train_gpu.h"
#include "cuda/device.h"
#include "cuda/gpu_ctx.h"
#include "cuda/loss_drain.h"
#include "data/batch.h"

struct ddad_member_gpu {
    ddad_ae *host;
    ddad_gpu_ctx *ctx;
    ddad_ae_gpu *ae;
    ddad_ae_gpu_trainer *trainer;
    uint8_t *d_images;
    int64_t *d_order;
    size_t images_bytes, order_bytes;
    int64_t steps_per_epoch;
};

ddad_member_gpu *ddad_member_gpu_create(const ddad_member_gpu_spec *s)
{
    ddad_member_gpu *g = ddad_calloc(1, sizeof *g, "GPU member");
    const ddad_ae_shape *shape = ddad_ae_get_shape(s->host);
    const size_t hw = (size_t)shape->img_size * (size_t)shape->img_size;
    g->host = s->host;
    g->steps_per_epoch = s->n / s->batch;
    g->ctx = ddad_gpu_ctx_create(s->tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
    g->ae = ddad_ae_gpu_create(g->ctx, shape, s->batch, 1);
    ddad_ae_gpu_upload(g->ae, ddad_ae_paramset(s->host));

    g->images_bytes = (size_t)s->n * hw;
    g->d_images = ddad_gpu_malloc(g->images_bytes, "a member's training images");
    ddad_gpu_upload(g->ctx, g->d_images, s->images, g->images_bytes);

    /* every remaining epoch's batches, as the CPU path draws them (drop_last) */
    const int epochs = s->epochs - s->first_epoch;
    const size_t per_epoch = (size_t)g->steps_per_epoch * (size_t)s->batch;
    if (epochs < 1 || g->steps_per_epoch < 1)
        ddad_fatal(DDAD_EXIT_RUNTIME, "GPU member: nothing to train (%d epochs of %lld steps)", epochs,
                   (long long)g->steps_per_epoch);
    g->order_bytes = sizeof(int64_t) * per_epoch * (size_t)epochs;
    int64_t *order = ddad_malloc(sizeof(int64_t) * (size_t)s->n, "epoch order");
    int64_t *schedule = ddad_malloc(g->order_bytes, "training schedule");
    for (int e = 0; e < epochs; e++) {
        ddad_epoch_order(s->seed, s->module, s->index, s->first_epoch + e, s->n, order);
        memcpy(schedule + (size_t)e * per_epoch, order, sizeof(int64_t) * per_epoch);
    }
    g->d_order = ddad_gpu_malloc(g->order_bytes, "the training schedule");
    ddad_gpu_upload(g->ctx, g->d_order, schedule, g->order_bytes);
    free(schedule);
    free(order);

    /* one loss reading per step: the epoch's mean is the CPU path's */
    g->trainer = ddad_ae_gpu_trainer_create(g->ae, g->d_images, g->d_order, g->steps_per_epoch * epochs, s->batch,
                                            &s->opt, 1, 1);
    return g;
}

static void run_member(void *t, int64_t steps) { ddad_ae_gpu_trainer_run(t, steps); }
static int poll_member(void *t, int wait, ddad_loss_reading *out) { return ddad_ae_gpu_trainer_poll(t, wait, out); }

double ddad_member_gpu_epoch(ddad_member_gpu *g, double *seconds)
{
    double t0 = ddad_now();
    const ddad_loss_source src = {g->trainer, run_member, poll_member, "GPU member training"};
    const double sum = ddad_run_summing_losses(&src, g->steps_per_epoch);
    *seconds = ddad_now() - t0;
    return g->steps_per_epoch > 0 ? sum / (double)g->steps_per_epoch : 0.0;
}

void ddad_member_gpu_to_host(ddad_member_gpu *g) { ddad_ae_gpu_download(g->ae, ddad_ae_paramset(g->host)); }

void ddad_member_gpu_free(ddad_member_gpu *g)
{
    if (!g) return;
    ddad_ae_gpu_trainer_free(g->trainer);
    ddad_ae_gpu_free(g->ae);
    ddad_gpu_free(g->d_order, g->order_bytes);
    ddad_gpu_free(g->d_images, g->images_bytes);
    ddad_gpu_ctx_free(g->ctx);
    free(g);
}

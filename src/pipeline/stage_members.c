/* Stage 1: the 2K ensemble members, each on its own rank or in turn on a shared one.
 *
 * Every rank trains each of its members one epoch per round; after a round the per-member
 * statistics are reduced to rank 0, which prints them in member order. Checkpoints are
 * written every Checkpoint.every_epochs rounds and at the end; a preemption signal is
 * agreed on at the round boundary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/batch.h"
#include "data/ocssl.h"
#include "model/ae.h"
#include "pipeline/ckpt.h"
#include "pipeline/fault_inject.h"
#include "pipeline/run.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/member_gpu.h"
#endif

typedef struct {
    int member, module, index;
    ddad_ae *ae;
    ddad_train_state st;
    const uint8_t *images;
    int64_t n;
#ifdef DDAD_WITH_CUDA
    ddad_member_gpu *gpu;   /* the device copy when the member trains on the GPU */
#endif
} member_job;

enum { STAT_LOSS, STAT_RATE, STAT_TRAINED, N_STATS };

static void save_member(ddad_run *run, member_job *j)
{
    char path[DDAD_PATH_MAX + 64];
    ddad_error err = {0};
    double t0 = ddad_now();
    ddad_member_ckpt_path(run, j->member, path, sizeof path);
#ifdef DDAD_WITH_CUDA
    if (j->gpu) ddad_member_gpu_to_host(j->gpu);
#endif
    if (ddad_ckpt_save(path, "member", run->members_key, ddad_ae_paramset(j->ae), &j->st, &err) != 0)
        ddad_fatal_error(&err);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;
}

static ddad_adam_cfg member_adam(const ddad_config *c)
{
    ddad_adam_cfg opt = ddad_adam_defaults((float)c->lr, (float)c->weight_decay);
    opt.beta1 = (float)c->beta1;
    opt.beta2 = (float)c->beta2;
    return opt;
}

/* One epoch on the CPU; returns the mean step loss. */
static double cpu_epoch(const ddad_run *run, member_job *j, int64_t e, int64_t *order, float *x)
{
    const ddad_config *c = &run->cfg;
    size_t hw = (size_t)c->img_size * (size_t)c->img_size;
    int64_t steps = j->n / c->bs;
    ddad_adam_cfg opt = member_adam(c);
    ddad_epoch_order(c->seed, j->module, j->index, e, j->n, order);
    double sum = 0.0;
    for (int64_t b = 0; b < steps; b++) {
        ddad_fault_read_batch(run, DDAD_STAGE_MEMBERS);
        ddad_gather_batch(j->images, hw, order + b * c->bs, c->bs, x);
        float loss = ddad_ae_train_step(j->ae, x, c->bs, &opt, NULL);
        if (!isfinite(loss))
            ddad_fatal(DDAD_EXIT_RUNTIME, "the training loss is %s at step %lld: lower Solver.lr, or check the data",
                       isnan(loss) ? "NaN" : "infinite", (long long)b + 1);
        sum += loss;
    }
    return steps > 0 ? sum / (double)steps : 0.0;
}

static void train_epoch(ddad_run *run, member_job *j, int64_t *order, float *x, double *stats)
{
    const ddad_config *c = &run->cfg;
    int64_t e = j->st.epoch, steps = j->n / c->bs;
    ddad_error_context("%s member %d, epoch %lld", ddad_module_label(j->module), j->index, (long long)e + 1);
    double t0 = ddad_now(), mean;
#ifdef DDAD_WITH_CUDA
    if (j->gpu) {
        double seconds;
        mean = ddad_member_gpu_epoch(j->gpu, &seconds);
        if (!isfinite(mean))
            ddad_fatal(DDAD_EXIT_RUNTIME, "the training loss is %s in this epoch (GPU): lower Solver.lr, or check the data",
                       isnan(mean) ? "NaN" : "infinite");
    } else
#endif
        mean = cpu_epoch(run, j, e, order, x);
    double dt = ddad_now() - t0;
    run->phase_time[DDAD_PHASE_TRAIN] += dt;
    j->st.loss[e] = mean;
    j->st.epoch = e + 1;
    j->st.batch = 0;
    j->st.loss_partial = 0.0;
    ddad_error_context("%s", "");
    stats[j->member * N_STATS + STAT_LOSS] = j->st.loss[e];
    stats[j->member * N_STATS + STAT_RATE] = dt > 0 ? (double)(steps * c->bs) / dt : 0.0;
    stats[j->member * N_STATS + STAT_TRAINED] = 1.0;
}

static void fmt_duration(double s, char *buf, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* Everything the stage holds: released at its end, and before a preemption exit. */
static void free_stage(member_job *jobs, int n_local, int64_t *order, float *x, double *stats, uint8_t *set[2])
{
    for (int i = 0; i < n_local; i++) {
#ifdef DDAD_WITH_CUDA
        ddad_member_gpu_free(jobs[i].gpu);
#endif
        ddad_ae_free(jobs[i].ae);
        ddad_train_state_free(&jobs[i].st);
    }
    free(jobs);
    free(order);
    free(x);
    free(stats);
    free(set[0]);
    free(set[1]);
}

void ddad_stage_members(ddad_run *run)
{
    const ddad_config *c = &run->cfg;
    ddad_dist *d = &run->dist;
    const int E = c->num_epoch, M = d->n_members;
    size_t hw = (size_t)c->img_size * (size_t)c->img_size;

    /* Data: only the sets this rank's members need. */
    double t0 = ddad_now();
    uint8_t *set[2] = {NULL, NULL};
    int64_t set_n[2] = {0, 0};
    ddad_dataset *ds = ddad_run_open_dataset(run);
    for (int i = 0; i < d->n_local; i++) {
        int module, index;
        ddad_member_id(d->K, d->local[i], &module, &index);
        if (set[module]) continue;
        ddad_error err = {0};
        if (ddad_ocssl_load(ds, module, c->extra_data, c->ar, &set[module], &set_n[module], &err) != 0) {
            char prefix[DDAD_PATH_MAX + 64];
            snprintf(prefix, sizeof prefix, "reading the %s training set from %s: ", ddad_module_label(module), c->file);
            ddad_error_prefix(&err, prefix);
            ddad_fatal_error(&err);
        }
        if (set_n[module] < c->bs)
            ddad_fatal(DDAD_EXIT_USAGE, "the %s training set has %lld images, fewer than Solver.bs = %d: lower Solver.bs",
                       ddad_module_label(module), (long long)set_n[module], c->bs);
    }
    ddad_dataset_close(ds);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;

    /* Networks: fresh, or from the last checkpoint with --resume. */
    ddad_ae_shape shape = {c->img_size, c->mp, c->ls, strcmp(c->network, "AE-U") == 0};
    member_job *jobs = ddad_calloc((size_t)d->n_local, sizeof *jobs, "member jobs");
    int resumed = 0;
    for (int i = 0; i < d->n_local; i++) {
        member_job *j = &jobs[i];
        j->member = d->local[i];
        ddad_member_id(d->K, j->member, &j->module, &j->index);
        j->ae = ddad_ae_create(&shape, c->bs, 1);
        if (!j->ae) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot create the network of member %d (out of memory?)", j->member);
        j->images = set[j->module];
        j->n = set_n[j->module];
        ddad_train_state_init(&j->st, E);
        char path[DDAD_PATH_MAX + 64];
        ddad_member_ckpt_path(run, j->member, path, sizeof path);
        if (run->resume && ddad_file_exists(path)) {
            ddad_error err = {0};
            double t1 = ddad_now();
            if (ddad_run_ckpt_load(run, DDAD_STAGE_MEMBERS, path, ddad_ae_paramset(j->ae), 1, &j->st, &err) != 0)
                ddad_fatal_error(&err);
            run->phase_time[DDAD_PHASE_IO] += ddad_now() - t1;
            resumed++;
        } else {
            ddad_ae_init(j->ae, c->seed, j->module, j->index);
        }
    }
#ifdef DDAD_WITH_CUDA
    if (run->gpu >= 0)
        for (int i = 0; i < d->n_local; i++) {
            member_job *j = &jobs[i];
            if (j->st.epoch >= E) continue;
            ddad_member_gpu_spec spec = {.host = j->ae, .images = j->images, .n = j->n, .batch = c->bs,
                                         .seed = c->seed, .module = j->module, .index = j->index,
                                         .first_epoch = (int)j->st.epoch, .epochs = E, .opt = member_adam(c),
                                         .tf32 = !strcmp(c->precision, "tf32")};
            double t1 = ddad_now();
            j->gpu = ddad_member_gpu_create(&spec);
            run->phase_time[DDAD_PHASE_IO] += ddad_now() - t1;
        }
#endif
    resumed = (int)ddad_dist_agree_max(d, resumed);
    if (resumed) log_info("members: resuming from the checkpoints in %s", run->ckpt_dir);
    char where[64];
    if (run->gpu >= 0) snprintf(where, sizeof where, "on the GPU");
    else snprintf(where, sizeof where, "%d thread(s) per rank", d->threads);
    log_info("members: %d x %s (K = %d) on %d rank(s), %s, %d epochs, batch %d", M, c->network, d->K, d->size, where,
             E, c->bs);

    int64_t *order = ddad_malloc(sizeof(int64_t) * (size_t)(set_n[0] > set_n[1] ? set_n[0] : set_n[1]) + 8, "epoch order");
    float *x = ddad_malloc_aligned(sizeof(float) * (size_t)c->bs * hw, "batch");
    double *stats = ddad_malloc(sizeof(double) * (size_t)M * N_STATS, "member statistics");
    double start = ddad_now();
    int rounds_run = 0;
    for (int e = 0; e < E; e++) {
        memset(stats, 0, sizeof(double) * (size_t)M * N_STATS);
        for (int i = 0; i < d->n_local; i++)
            if (jobs[i].st.epoch == e) train_epoch(run, &jobs[i], order, x, stats);
        ddad_preempt_test_hook(run, "members", e + 1);
        if (d->size > 1) {
            double t1 = ddad_now();
            DDAD_CHECK_MPI(MPI_Reduce(d->rank == 0 ? MPI_IN_PLACE : stats, stats, M * N_STATS, MPI_DOUBLE, MPI_SUM, 0,
                                      d->world));
            run->phase_time[DDAD_PHASE_TRAIN] += ddad_now() - t1;
        }
        int trained_any = 0;
        for (int m = 0; m < M; m++) trained_any |= stats[m * N_STATS + STAT_TRAINED] > 0;
        if (d->rank == 0 && trained_any) {
            rounds_run++;
            char eta[32];
            fmt_duration((ddad_now() - start) / rounds_run * (E - e - 1), eta, sizeof eta);
            for (int m = 0; m < M; m++) {
                if (stats[m * N_STATS + STAT_TRAINED] <= 0) continue;
                int module, index;
                ddad_member_id(d->K, m, &module, &index);
                log_info("members: %s %d  epoch %4d/%d  loss %.6f  %7.1f img/s  ETA %s", ddad_module_label(module),
                         index, e + 1, E, stats[m * N_STATS + STAT_LOSS], stats[m * N_STATS + STAT_RATE], eta);
            }
        }
        int periodic = c->every_epochs > 0 && (e + 1) % c->every_epochs == 0;
        for (int i = 0; i < d->n_local; i++)
            if (jobs[i].st.epoch == e + 1 && (periodic || e + 1 == E)) save_member(run, &jobs[i]);
        if (ddad_preempt_agreed(run)) {
            for (int i = 0; i < d->n_local; i++)
                if (!(jobs[i].st.epoch == e + 1 && (periodic || e + 1 == E))) save_member(run, &jobs[i]);
            free_stage(jobs, d->n_local, order, x, stats, set);
            ddad_preempt_exit(run, "member training");
        }
    }
    free_stage(jobs, d->n_local, order, x, stats, set);
    ddad_stage_mark_done(run, DDAD_STAGE_MEMBERS);
}

/* Stage 3: the anomaly score refiner, data-parallel over all ranks.
 *
 * Every rank holds all 2K frozen members. A global batch of RefineSolver.bs samples is
 * split across the ranks (the first bs % N ranks take one more). Each sample is a D_n
 * image, with probability 0.5 turned into a foreign patch interpolation drawn from the
 * sample's own stream (epoch, position), so the samples do not depend on N. BatchNorm
 * statistics and gradients are summed across ranks, so every rank makes the same update. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/batch.h"
#include "data/fpi.h"
#include "model/refine.h"
#include "pipeline/ckpt.h"
#include "pipeline/fault_inject.h"
#include "pipeline/maps.h"
#include "pipeline/members_io.h"
#include "pipeline/run.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/device.h"
#include "cuda/refine_job_gpu.h"
#endif

int ddad_refine_in_channels(const ddad_config *c) { return strcmp(c->r_input, "intra") == 0 ? 1 : 2; }

/* The refiner's input for nb images x: [nb][C_in][hw], channels [A_inter, A_intra] or [A_intra]. */
void ddad_refine_input(ddad_ae *const *nets, int K, int C, int c_in, const float *x, int nb, size_t hw, float *outs,
                       float *inter, float *intra, float *in)
{
    size_t count = (size_t)nb * (size_t)C * hw;
    /* A sample's reconstruction must not depend on which other samples share its rank's
     * batch (a GEMM's kernel path can change with the matrix size), so that the refiner's
     * input, and so its update, is the same for any rank count: per-sample forwards. */
    for (int m = 0; m < 2 * K; m++) ddad_ae_forward_per_sample(nets[m], x, nb, outs + (size_t)m * count);
    ddad_discrepancy_maps(outs, K, C, nb, hw, x, NULL, intra, c_in == 2 ? inter : NULL);
    for (int i = 0; i < nb; i++) {
        float *dst = in + (size_t)i * (size_t)c_in * hw;
        if (c_in == 2) {
            memcpy(dst, inter + (size_t)i * hw, hw * sizeof(float));
            memcpy(dst + hw, intra + (size_t)i * hw, hw * sizeof(float));
        } else {
            memcpy(dst, intra + (size_t)i * hw, hw * sizeof(float));
        }
    }
}

static void save_refiner(ddad_run *run, ddad_refine *r, const ddad_train_state *st)
{
    if (run->dist.rank != 0) return;
    char path[DDAD_PATH_MAX + 64];
    ddad_error err = {0};
    double t0 = ddad_now();
    ddad_refine_ckpt_path(run, path, sizeof path);
    if (ddad_ckpt_save(path, "refiner", run->refine_key, ddad_refine_paramset(r), st, &err) != 0) ddad_fatal_error(&err);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;
}

/* The end of an epoch (both paths): its mean loss, the progress line, the checkpoint
 * when due, and a preemption agreed at the epoch boundary. The host refiner must hold the
 * current state. Returns 1 when the ranks agreed to stop for preemption (the checkpoint is
 * written): the caller releases what it holds, then calls ddad_preempt_exit. */
static int finish_epoch(ddad_run *run, ddad_refine *r, ddad_train_state *st, int64_t steps, double te, double start,
                        int epochs_run)
{
    const ddad_config *c = &run->cfg;
    const int E = c->r_num_epoch;
    const int64_t e = st->epoch;
    st->loss[e] = st->loss_partial / (double)steps;
    st->epoch = e + 1;
    st->batch = 0;
    st->loss_partial = 0.0;
    double dt = ddad_now() - te;
    char eta[32];
    long t = (long)((ddad_now() - start) / epochs_run * (E - st->epoch) + 0.5);
    snprintf(eta, sizeof eta, "%ld:%02ld", t / 60, t % 60);
    log_info("refine: epoch %4lld/%d  loss %.6f  %7.1f img/s  ETA %s", (long long)st->epoch, E, st->loss[e],
             dt > 0 ? (double)(steps * c->r_bs) / dt : 0.0, eta);
    int periodic = c->every_epochs > 0 && st->epoch % c->every_epochs == 0;
    if (periodic || st->epoch == E) save_refiner(run, r, st);
    if (!ddad_preempt_agreed(run)) return 0;
    if (!(periodic || st->epoch == E)) save_refiner(run, r, st);
    return 1;
}

#ifdef DDAD_WITH_CUDA
/* The remaining steps on the GPU. Ranks that share a GPU leave the refiner to the lowest
 * of them, the GPU's leader: the global batch is split over the leaders only, so with
 * 6 ranks on one GPU one process trains it at batch RefineSolver.bs with no collective
 * at all (one CUDA graph), instead of 6 processes exchanging BatchNorm sums and gradients
 * through host memory several times a step. The update is the same sum; only its
 * rounding differs, as between rank counts on the CPU. The other ranks take part in the
 * per-epoch loss sum and the preemption agreement. The leaders' FPI patches for every
 * step are drawn here exactly as the CPU loop draws them (ddad_fpi_draw), then the steps
 * replay on the device an epoch at a time. Preemption is honoured at epoch ends. Returns
 * 1 when stopped by refine_steps. */
static int refine_on_gpu(ddad_run *run, ddad_refine *r, ddad_ae **nets, const uint8_t *images, int64_t nn,
                         int64_t steps, ddad_train_state *st, const ddad_adam_cfg *opt)
{
    const ddad_config *c = &run->cfg;
    ddad_dist *d = &run->dist;
    const int H = c->img_size, B = c->r_bs, E = c->r_num_epoch;
    const int64_t first = st->epoch * steps + st->batch, remaining = (int64_t)E * steps - first;
    const int64_t limit = run->refine_steps > 0 && run->refine_steps < remaining ? run->refine_steps : remaining;
    if (limit <= 0) return 0;
    double t0 = ddad_now();
    const ddad_gpu_placement *pl = ddad_gpu_last_placement();
    const int leader = pl && pl->device_leader;
    int n_team = leader, team_rank = -1;
    DDAD_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &n_team, 1, MPI_INT, MPI_SUM, d->world));
    MPI_Comm team = MPI_COMM_NULL;
    DDAD_CHECK_MPI(MPI_Comm_split(d->world, leader ? 0 : MPI_UNDEFINED, d->rank, &team));
    if (leader) DDAD_CHECK_MPI(MPI_Comm_rank(team, &team_rank));
    if (n_team < 1 || B < n_team)
        ddad_fatal(DDAD_EXIT_USAGE, "RefineSolver.bs = %d is smaller than the %d GPUs in use: raise it", B, n_team);
    int lb = 0, off = 0;
    if (leader) ddad_batch_part(B, n_team, team_rank, &lb, &off);
    if (n_team < d->size)
        log_info("refine: %d rank(s) share %d GPU(s): the refiner trains on the lowest rank of each GPU, %d..%d "
                 "samples of the global batch %d each", d->size, n_team, B / n_team, B / n_team + (B % n_team != 0), B);

    ddad_refine_job_gpu *job = NULL;
    if (leader) {
        ddad_fpi_patch *patches = ddad_malloc(sizeof(ddad_fpi_patch) * (size_t)limit * (size_t)lb, "FPI patches");
        int64_t *order = ddad_malloc(sizeof(int64_t) * (size_t)nn, "epoch order");
        for (int64_t g = 0, order_epoch = -1; g < limit; g++) {
            const int64_t e = (first + g) / steps, b = (first + g) % steps;
            if (e != order_epoch) {
                ddad_epoch_order(c->seed, DDAD_MOD_REFINE, 0, e, nn, order);
                order_epoch = e;
            }
            for (int j = 0; j < lb; j++) {
                int64_t p = b * B + off + j;
                ddad_fpi_draw(c->seed, (uint64_t)(e * nn + p), nn, H, H, order[p], &patches[g * lb + j]);
            }
        }
        ddad_refine_job_spec spec = {.host = r, .members = nets, .K = d->K, .dual = ddad_refine_in_channels(c) == 2,
                                     .images = images, .n = nn, .h = H, .w = H, .patches = patches, .n_steps = limit,
                                     .first_step = first, .total_steps = (int64_t)E * steps,
                                     .local_batch = lb, .global_batch = B, .opt = *opt, .world = team,
                                     .tf32 = !strcmp(c->precision, "tf32")};
        job = ddad_refine_job_gpu_create(&spec);
        free(patches);
        free(order);
    }
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;
    log_info("refine: on the GPU, %lld steps", (long long)limit);

    int64_t done = 0;
    int stopped = 0, epochs_run = 0;
    double start = ddad_now();
    while (st->epoch < E) {
        ddad_error_context("refiner, epoch %lld (GPU)", (long long)st->epoch + 1);
        int64_t n = steps - st->batch;
        if (n > limit - done) n = limit - done;
        double te = ddad_now();
        double loss = job ? ddad_refine_job_gpu_run(job, n) : 0.0;
        ddad_allreduce_sum_double(d, &loss, 1);
        if (!isfinite(loss))
            ddad_fatal(DDAD_EXIT_RUNTIME, "the refiner loss is %s in this epoch (GPU): lower RefineSolver.lr or set "
                       "RefineSolver.grad_clip", isnan(loss) ? "NaN" : "infinite");
        st->loss_partial += loss;
        /* the tests' signal hook, for every global step this call ran (the CPU path calls
         * it after each step); the signal is acted on at the epoch's end */
        for (int64_t k = 1; k <= n; k++)
            ddad_preempt_test_hook(run, "refine", (long)(st->epoch * steps + st->batch + k));
        st->batch += n;
        done += n;
        run->phase_time[DDAD_PHASE_REFINE] += ddad_now() - te;
        if (job) ddad_refine_job_gpu_to_host(job);   /* rank 0, which saves, always leads */
        if (st->batch < steps) {   /* refine_steps reached inside the epoch */
            save_refiner(run, r, st);
            log_info("refine: stopped after %lld steps (--refine-steps)", (long long)done);
            stopped = 1;
            break;
        }
        if (finish_epoch(run, r, st, steps, te, start, ++epochs_run)) {
            /* NCCL's proxy threads and the graph go before MPI_Finalize and exit */
            ddad_refine_job_gpu_free(job);
            if (team != MPI_COMM_NULL) DDAD_CHECK_MPI(MPI_Comm_free(&team));
            ddad_preempt_exit(run, "refiner training");
        }
        if (done >= limit && st->epoch < E) {   /* refine_steps reached at an epoch's end */
            save_refiner(run, r, st);
            log_info("refine: stopped after %lld steps (--refine-steps)", (long long)done);
            stopped = 1;
            break;
        }
    }
    ddad_error_context("%s", "");
    ddad_refine_job_gpu_free(job);
    if (team != MPI_COMM_NULL) DDAD_CHECK_MPI(MPI_Comm_free(&team));
    return stopped;
}
#endif

int ddad_stage_refine(ddad_run *run)
{
    int stopped = 0;
    const ddad_config *c = &run->cfg;
    ddad_dist *d = &run->dist;
    const int C = ddad_member_channels(c), M = d->n_members, c_in = ddad_refine_in_channels(c);
    const int H = c->img_size, B = c->r_bs, E = c->r_num_epoch;
    size_t hw = (size_t)H * (size_t)H;
    /* on the GPU only the leaders of the GPUs share the batch (refine_on_gpu checks it) */
    if (B < d->size && run->gpu < 0)
        ddad_fatal(DDAD_EXIT_USAGE, "RefineSolver.bs = %d is smaller than the %d ranks: raise it or use fewer ranks", B,
                   d->size);
    int lb, off;
    ddad_batch_part(B, d->size, d->rank, &lb, &off);
    const int lb_max = B / d->size + (B % d->size != 0);

    double t0 = ddad_now();
    ddad_dataset *ds = ddad_run_open_dataset(run);
    int64_t nn = ddad_dataset_get_info(ds)->count[DDAD_SPLIT_NORMAL];
    uint8_t *images = ddad_malloc_aligned((size_t)nn * hw, "D_n images");
    ddad_error err = {0};
    if (ddad_dataset_read_images(ds, DDAD_SPLIT_NORMAL, 0, nn, images, &err) != 0)
        ddad_fatal(err.code ? err.code : DDAD_EXIT_RUNTIME, "reading D_n from %s: %s", c->file, err.msg);
    ddad_dataset_close(ds);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;
    if (nn < B)
        ddad_fatal(DDAD_EXIT_USAGE, "D_n has %lld images, fewer than RefineSolver.bs = %d", (long long)nn, B);
    const int64_t steps = nn / B;

    /* Every rank holds all members, read from the run's checkpoints. */
    ddad_ae **nets = ddad_calloc((size_t)M, sizeof *nets, "member networks");
    for (int m = 0; m < M; m++) nets[m] = ddad_member_load_eval(run, m, lb_max);

    ddad_refine *r = ddad_refine_create(c_in, H, H, lb_max, 1);
    if (!r) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot create the refiner (out of memory?)");
    ddad_paramset *ps = ddad_refine_paramset(r);
    ddad_train_state st;
    ddad_train_state_init(&st, E);
    char path[DDAD_PATH_MAX + 64];
    ddad_refine_ckpt_path(run, path, sizeof path);
    if (run->resume && ddad_file_exists(path)) {
        double t1 = ddad_now();
        if (ddad_run_ckpt_load(run, DDAD_STAGE_REFINE, path, ps, 1, &st, &err) != 0) ddad_fatal_error(&err);
        run->phase_time[DDAD_PHASE_IO] += ddad_now() - t1;
        log_info("refine: resuming at epoch %lld, batch %lld", (long long)st.epoch + 1, (long long)st.batch + 1);
    } else {
        ddad_refine_init(r, c->seed);
    }
    ddad_adam_cfg opt = ddad_adam_defaults((float)c->r_lr, (float)c->r_weight_decay);
    opt.beta1 = (float)c->beta1;
    opt.beta2 = (float)c->beta2;
    opt.grad_clip = c->grad_clip > 0 ? (float)c->grad_clip : 0.0f;
    ddad_reducer red = ddad_dist_reducer(d);
    log_info("refine: R_%s on %d rank(s), global batch %d (%d..%d per rank), %d epochs of %lld steps",
             c_in == 2 ? "dual" : "intra", d->size, B, B / d->size, lb_max, E, (long long)steps);

    float *x = ddad_malloc_aligned(sizeof(float) * (size_t)lb_max * hw, "refiner images");
    uint8_t *target = ddad_malloc((size_t)lb_max * hw, "refiner targets");
    float *outs = ddad_malloc_aligned(sizeof(float) * (size_t)M * (size_t)lb_max * (size_t)C * hw, "member outputs");
    float *inter = ddad_malloc_aligned(sizeof(float) * (size_t)lb_max * hw, "A_inter");
    float *intra = ddad_malloc_aligned(sizeof(float) * (size_t)lb_max * hw, "A_intra");
    float *in = ddad_malloc_aligned(sizeof(float) * (size_t)lb_max * (size_t)c_in * hw, "refiner input");
    int64_t *order = ddad_malloc(sizeof(int64_t) * (size_t)nn, "epoch order");
    int64_t done_steps = 0;
    double start = ddad_now();
    int epochs_run = 0;
#ifdef DDAD_WITH_CUDA
    if (run->gpu >= 0) stopped = refine_on_gpu(run, r, nets, images, nn, steps, &st, &opt);
#endif

    while (!stopped && st.epoch < E) {
        int64_t e = st.epoch;
        ddad_error_context("refiner, epoch %lld", (long long)e + 1);
        ddad_epoch_order(c->seed, DDAD_MOD_REFINE, 0, e, nn, order);
        double te = ddad_now();
        for (int64_t b = st.batch; b < steps; b++) {
            double t1 = ddad_now();
            ddad_fault_read_batch(run, DDAD_STAGE_REFINE);
            for (int j = 0; j < lb; j++) {
                int64_t p = b * B + off + j;
                ddad_fpi_sample(c->seed, (uint64_t)(e * nn + p), images, nn, H, H, order[p], x + (size_t)j * hw,
                                target + (size_t)j * hw);
            }
            ddad_refine_input(nets, d->K, C, c_in, x, lb, hw, outs, inter, intra, in);
            float part = ddad_refine_forward_backward(r, in, target, lb, B, &red);
            /* Sum the ranks' gradient contributions in double: they are split-invariant
             * up to double rounding, so the update does not depend on N (docs/NN.md). */
            double *gsum = ddad_refine_grad_sums(r);
            ddad_allreduce_sum_double(d, gsum, ps->n_params);
            for (size_t i = 0; i < ps->n_params; i++) ps->grads[i] = (float)gsum[i];
            ddad_adam_step(ps, &opt);
            ddad_preempt_test_hook(run, "refine", (long)(e * steps + b + 1));
            double agree[2] = {part, (double)ddad_preempt_local()};
            ddad_allreduce_sum_double(d, agree, 2);
            if (!isfinite(agree[0]))
                ddad_fatal(DDAD_EXIT_RUNTIME, "the refiner loss is %s at step %lld: lower RefineSolver.lr or set "
                           "RefineSolver.grad_clip", isnan(agree[0]) ? "NaN" : "infinite", (long long)b + 1);
            st.loss_partial += agree[0];
            st.batch = b + 1;
            done_steps++;
            run->phase_time[DDAD_PHASE_REFINE] += ddad_now() - t1;
            if (agree[1] > 0 && b + 1 < steps) {
                save_refiner(run, r, &st);
                ddad_preempt_exit(run, "refiner training");
            }
            if (run->refine_steps > 0 && done_steps >= run->refine_steps) {
                save_refiner(run, r, &st);
                log_info("refine: stopped after %lld steps (--refine-steps); checkpoint in %s", (long long)done_steps,
                         path);
                stopped = 1;
                break;
            }
        }
        if (stopped) break;
        if (finish_epoch(run, r, &st, steps, te, start, ++epochs_run)) ddad_preempt_exit(run, "refiner training");
    }
    ddad_error_context("%s", "");
    for (int m = 0; m < M; m++) ddad_ae_free(nets[m]);
    ddad_refine_free(r);
    ddad_train_state_free(&st);
    free(nets);
    free(images);
    free(x);
    free(target);
    free(outs);
    free(inter);
    free(intra);
    free(in);
    free(order);
    if (stopped) return 1;
    ddad_stage_mark_done(run, DDAD_STAGE_REFINE);
    return 0;
}

/* ddad run: the DDAD job under mpirun/srun (or as one plain process). */
#include <errno.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/error.h"
#include "core/log.h"
#include "core/util.h"
#include "io/h5attr.h"
#include "nn/threads.h"
#include "pipeline/run.h"

#define SUB "run"
#define MAX_SETS 128

static void usage(FILE *f)
{
    fprintf(f,
            "usage: [mpirun -np N] ddad run --config C.yaml [--set Section.key=value ...]\n"
            "                        [--stage all|members|score|refine|eval] [--resume] [--quiet]\n"
            "\n"
            "Runs the DDAD job: 2K ensemble members (one rank each, or round-robin when N < 2K),\n"
            "the discrepancy scores, the data-parallel refiner, and the evaluation. Outputs go to\n"
            "Exp.out_dir: results.h5, metrics.json, and checkpoints/ (per member, per stage).\n"
            "\n"
            "  --config FILE      the experiment configuration (required)\n"
            "  --set S.k=v        override a configuration key (repeatable)\n"
            "  --stage NAME       run one stage (its inputs must exist in Exp.out_dir) or all (default)\n"
            "  --resume           skip finished stages and continue from the last checkpoints\n"
            "  --quiet            no progress lines (warnings and errors still print)\n"
            "  --refine-steps N   stop the refiner after N steps, keeping its checkpoint (tests)\n"
            "\n"
            "Exit status: 0 done, 1 runtime failure, 2 usage or input error,\n"
            "             3 preempted by SIGUSR1/SIGTERM after a consistent checkpoint (rerun with --resume).\n");
}

typedef struct {
    const char *config;
    const char *sets[MAX_SETS];
    int nsets;
    int stage;   /* -1 = all */
    int resume, quiet;
    long long refine_steps;
} run_args;

static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->stage = -1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            usage(stdout);
            return -2;
        } else if (!strcmp(s, "--config") && i + 1 < argc) {
            a->config = argv[++i];
        } else if (!strcmp(s, "--set") && i + 1 < argc) {
            if (a->nsets == MAX_SETS) return cmd_usage_error(SUB, "too many --set options (at most %d)", MAX_SETS);
            a->sets[a->nsets++] = argv[++i];
        } else if (!strcmp(s, "--stage") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "all")) a->stage = -1;
            else {
                a->stage = -3;
                for (int k = 0; k < DDAD_N_STAGES; k++)
                    if (!strcmp(v, ddad_stage_name(k))) a->stage = k;
                if (a->stage == -3)
                    return cmd_usage_error(SUB, "unknown stage '%s' (all, members, score, refine or eval)", v);
            }
        } else if (!strcmp(s, "--resume")) {
            a->resume = 1;
        } else if (!strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--refine-steps") && i + 1 < argc) {
            char *end = NULL;
            a->refine_steps = strtoll(argv[++i], &end, 10);
            if (!end || *end || a->refine_steps < 1) return cmd_usage_error(SUB, "--refine-steps needs a positive integer");
        } else {
            return cmd_usage_error(SUB, "unknown or incomplete option '%s'", s);
        }
    }
    if (!a->config) return cmd_usage_error(SUB, "--config is required");
    return 0;
}

/* The readable identity of what a checkpoint belongs to: every configuration key that
 * changes what the stage trains (flagged in the key table, io/config.h) and the content
 * digest of the dataset. */
static void make_keys(ddad_run *run)
{
    char data[64];
    snprintf(data, sizeof data, " Data.digest=%s", run->data.digest);
    struct {
        char *buf;
        unsigned trains;
    } keys[2] = {{run->members_key, DDAD_TRAINS_MEMBERS}, {run->refine_key, DDAD_TRAINS_MEMBERS | DDAD_TRAINS_REFINER}};
    for (int i = 0; i < 2; i++) {
        int len = ddad_config_train_key(&run->cfg, keys[i].trains, keys[i].buf, DDAD_KEY_MAX);
        if (len < 0 || (size_t)len + strlen(data) >= DDAD_KEY_MAX)
            ddad_fatal(DDAD_EXIT_RUNTIME, "internal error: the setup key needs more than %d characters (DDAD_KEY_MAX)",
                       DDAD_KEY_MAX);
        memcpy(keys[i].buf + len, data, strlen(data) + 1);
    }
}

/* Rank 0 loads and checks the configuration and the dataset header; every rank gets the
 * result, so that a bad input ends all ranks with the same clean message and exit code. */
static int setup_config(ddad_run *run, const run_args *a, int rank)
{
    struct {
        ddad_config cfg;
        ddad_dataset_info data;
        ddad_error err;
        int rc;
    } *msg = ddad_calloc(1, sizeof *msg, "config message");
    if (rank == 0) {
        msg->rc = ddad_config_load(a->config, a->sets, a->nsets, &msg->cfg, &msg->err);
        const ddad_config *c = &msg->cfg;
        if (!msg->rc && !strcmp(c->network, "MemAE"))
            msg->rc = ddad_error_set(&msg->err, DDAD_EXIT_USAGE,
                                     "%s: Model.network MemAE is not available yet in ddad run: use AE or AE-U",
                                     a->config);
#ifndef DDAD_WITH_CUDA
        if (!msg->rc && !strcmp(c->device, "cuda"))
            msg->rc = ddad_error_set(&msg->err, DDAD_EXIT_USAGE,
                                     "%s: Exp.device is cuda but this ddad was built without CUDA: rebuild where nvcc "
                                     "is found (-DDDAD_CUDA=ON) or set Exp.device cpu",
                                     a->config);
#endif
        if (!msg->rc && !ddad_file_exists(c->file))
            msg->rc = ddad_error_set(&msg->err, DDAD_EXIT_USAGE,
                                     "the dataset %s (Data.file) does not exist: make it with `ddad prepare medad "
                                     "--root DIR --out %s` or `ddad synth --out %s`",
                                     c->file, c->file, c->file);
        if (!msg->rc) {
            ddad_dataset *ds = ddad_dataset_open(c->file, MPI_COMM_NULL, &msg->err);
            if (!ds) {
                char prefix[DDAD_PATH_MAX + 64];
                snprintf(prefix, sizeof prefix, "cannot read the dataset %s: ", c->file);
                ddad_error_prefix(&msg->err, prefix);
                msg->rc = -1;
            } else {
                msg->data = *ddad_dataset_get_info(ds);
                ddad_dataset_close(ds);
                msg->rc = ddad_config_check_data(c, msg->data.img_size, msg->data.count[DDAD_SPLIT_POOL0],
                                                 msg->data.count[DDAD_SPLIT_POOL1], &msg->err);
                /* Checkpoints are tied to the dataset's content by its digest (docs/FORMATS.md). */
                if (!msg->rc && !msg->data.digest[0])
                    msg->rc = ddad_error_set(&msg->err, DDAD_EXIT_USAGE,
                                             "the dataset %s (Data.file) has no content digest: it was written by an "
                                             "older ddad. Make it again with `ddad prepare` or `ddad synth` (the same "
                                             "options give the same images), so that checkpoints can be tied to it",
                                             c->file);
            }
        }
    }
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1) DDAD_CHECK_MPI(MPI_Bcast(msg, (int)sizeof *msg, MPI_BYTE, 0, MPI_COMM_WORLD));
    int rc = msg->rc;
    if (rc) {
        if (rank == 0) fprintf(stderr, "ddad run: error: %s\n", msg->err.msg);
        rc = msg->err.code ? msg->err.code : DDAD_EXIT_USAGE;
    } else {
        run->cfg = msg->cfg;
        run->data = msg->data;
    }
    free(msg);
    return rc;
}

static void remove_results(const ddad_run *run)
{
    if (run->dist.rank != 0) return;
    const char *names[] = {"results.h5", "metrics.json"};
    for (int i = 0; i < 2; i++) {
        char p[DDAD_PATH_MAX + 32];
        snprintf(p, sizeof p, "%s/%s", run->out_dir, names[i]);
        if (unlink(p) != 0 && errno != ENOENT) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot remove the old %s: %s", p, strerror(errno));
    }
}

/* Every return of cmd_run after MPI_Init: frees the run state, ends MPI. */
static int finish(ddad_run *run, int rc)
{
    free(run);
    MPI_Finalize();
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc == -2) return DDAD_EXIT_OK;
    if (rc) return rc;

    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "ddad run: MPI_Init failed: check the MPI installation (mpirun --version)\n");
        return DDAD_EXIT_RUNTIME;
    }
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ddad_log_init(rank, size);
    ddad_log_quiet(a.quiet);
    ddad_h5_quiet();

    ddad_run *run = ddad_calloc(1, sizeof *run, "run state");
    run->resume = a.resume;
    run->quiet = a.quiet;
    run->refine_steps = a.refine_steps;
    if ((rc = setup_config(run, &a, rank)) != 0) return finish(run, rc);
    ddad_error err = {0};
    if (ddad_dist_init(&run->dist, run->cfg.members, &err) != 0) {
        if (rank == 0) fprintf(stderr, "ddad run: error: %s\n", err.msg);
        return finish(run, err.code);
    }
    ddad_nn_set_threads(run->dist.threads);
    if (ddad_run_pick_device(run, &err) != 0) {
        if (rank == 0) fprintf(stderr, "ddad run: error: %s: %s\n", a.config, err.msg);
        return finish(run, err.code);
    }
    snprintf(run->out_dir, sizeof run->out_dir, "%s", run->cfg.out_dir);
    snprintf(run->ckpt_dir, sizeof run->ckpt_dir, "%s/checkpoints", run->out_dir);
    make_keys(run);
    if (rank == 0 && ddad_mkdirs(run->ckpt_dir) != 0)
        ddad_fatal(DDAD_EXIT_USAGE, "cannot create %s (Exp.out_dir): %s", run->ckpt_dir, strerror(errno));
    ddad_dist_barrier(&run->dist);
    ddad_preempt_install();

    /* Finished stages of another setup (configuration or dataset) cannot be reused. */
    int check_upto = a.stage >= 0 ? a.stage + (a.resume ? 1 : 0) : (a.resume ? DDAD_N_STAGES : 0);
    for (int s = 0; s < check_upto; s++)
        if (ddad_stage_check_key(run, s, &err) != 0) {
            if (rank == 0) fprintf(stderr, "ddad run: error: %s\n", err.msg);
            return finish(run, err.code);
        }

    /* Which stages run: all (from the first unfinished one with --resume) or just one. */
    int first = 0, last = DDAD_N_STAGES - 1;
    if (a.stage >= 0) {
        first = last = a.stage;
        for (int s = 0; s < a.stage; s++)
            if (!ddad_stage_done(run, s)) {
                if (rank == 0)
                    fprintf(stderr,
                            "ddad run: error: the %s stage needs the results of the %s stage, which %s does not hold: "
                            "run --stage %s first (or --stage all)\n",
                            ddad_stage_name(a.stage), ddad_stage_name(s), run->ckpt_dir, ddad_stage_name(s));
                return finish(run, DDAD_EXIT_USAGE);
            }
        if (a.resume && ddad_stage_done(run, a.stage)) {
            log_info("run: the %s stage is already done in %s", ddad_stage_name(a.stage), run->ckpt_dir);
            return finish(run, DDAD_EXIT_OK);
        }
    } else if (a.resume) {
        while (first < DDAD_N_STAGES && ddad_stage_done(run, first)) first++;
        if (first == DDAD_N_STAGES) {
            log_info("run: every stage is already done in %s", run->ckpt_dir);
            return finish(run, DDAD_EXIT_OK);
        }
        if (first > 0) log_info("run: resuming at the %s stage", ddad_stage_name(first));
    }
    ddad_stage_clear_from(run, first);
    remove_results(run);
    ddad_run_remove_stale_tmp(run);
    ddad_dist_barrier(&run->dist);

    double t0 = ddad_now();
    log_info("run: %s on %d rank(s): stages %s..%s, output in %s", a.config, size, ddad_stage_name(first),
             ddad_stage_name(last), run->out_dir);
    for (int s = first; s <= last; s++) {
        switch (s) {
        case DDAD_STAGE_MEMBERS: ddad_stage_members(run); break;
        case DDAD_STAGE_SCORE: ddad_stage_score(run); break;
        case DDAD_STAGE_REFINE:
            if (ddad_stage_refine(run)) return finish(run, DDAD_EXIT_OK);
            break;
        case DDAD_STAGE_EVAL: ddad_stage_eval(run); break;
        }
    }
    log_info("run: done in %.1f s", ddad_now() - t0);
    return finish(run, DDAD_EXIT_OK);
}

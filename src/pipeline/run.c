#include "pipeline/run.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/free_space.h"
#include "core/log.h"
#include "core/util.h"
#include "pipeline/ckpt.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/device.h"
#endif

static const char *STAGES[DDAD_N_STAGES] = {"members", "score", "refine", "eval"};
static const char *PHASES[DDAD_N_PHASES] = {"train", "reduce", "refine", "eval", "io"};

const char *ddad_stage_name(int stage) { return STAGES[stage]; }
const char *ddad_phase_name(int phase) { return PHASES[phase]; }

void ddad_error_prefix(ddad_error *e, const char *prefix)
{
    size_t cap = sizeof e->msg, pl = strlen(prefix), ml = strlen(e->msg);
    if (pl >= cap) pl = cap - 1;
    if (pl + ml >= cap) ml = cap - 1 - pl;
    memmove(e->msg + pl, e->msg, ml);
    memcpy(e->msg, prefix, pl);
    e->msg[pl + ml] = '\0';
}

static void marker_path(const ddad_run *run, int stage, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s.done", run->ckpt_dir, STAGES[stage]);
}

int ddad_stage_done(const ddad_run *run, int stage)
{
    char p[DDAD_PATH_MAX + 64];
    marker_path(run, stage, p, sizeof p);
    return ddad_file_exists(p);
}

int64_t *ddad_stage_gather_gpu_peak(const ddad_run *run)
{
    if (run->gpu < 0) return NULL;
    const ddad_dist *d = &run->dist;
    int64_t mine = 0;
#ifdef DDAD_WITH_CUDA
    mine = (int64_t)ddad_gpu_peak_bytes();
#endif
    int64_t *all = ddad_malloc(sizeof(int64_t) * (size_t)d->size, "GPU memory peaks");
    DDAD_CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT64_T, all, 1, MPI_INT64_T, 0, d->world));
    if (d->rank == 0) return all;
    free(all);
    return NULL;
}

/* Logs the stage's peaks (rank 0) and starts the next stage's count. */
static void finish_gpu_peak(const ddad_run *run, int stage, const int64_t *all)
{
#ifdef DDAD_WITH_CUDA
    if (run->gpu >= 0) ddad_gpu_reset_peak();
#endif
    if (!all) return;
    const int n = run->dist.size;
    int64_t lo = all[0], hi = all[0];
    for (int r = 1; r < n; r++) {
        if (all[r] < lo) lo = all[r];
        if (all[r] > hi) hi = all[r];
    }
    log_info("%s: peak GPU memory allocated per rank %.1f MiB (least %.1f MiB, %d rank(s))", STAGES[stage],
             (double)hi / 1048576.0, (double)lo / 1048576.0, n);
}

/* A stage's marker, read past its "stage NAME ranks N" header (N in *n); NULL when there is
 * none or the header does not parse. */
static FILE *open_marker(const ddad_run *run, int stage, int *n)
{
    char p[DDAD_PATH_MAX + 64], name[32];
    marker_path(run, stage, p, sizeof p);
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    if (fscanf(f, "stage %31s ranks %d", name, n) != 2 || *n < 1 || *n > 1 << 20) {
        fclose(f);
        return NULL;
    }
    return f;
}

int ddad_stage_read_gpu_peak(const ddad_run *run, int stage, int64_t **bytes)
{
    char tok[64];
    int n = 0;
    *bytes = NULL;
    FILE *f = open_marker(run, stage, &n);
    if (!f) return 0;
    while (fscanf(f, "%63s", tok) == 1)
        if (!strcmp(tok, "gpu_peak_bytes")) {
            int64_t *b = ddad_calloc((size_t)n, sizeof(int64_t), "GPU memory peaks");
            int i = 0;
            while (i < n && fscanf(f, "%" SCNd64, &b[i]) == 1) i++;
            fclose(f);
            if (i < n) {
                free(b);
                return 0;
            }
            *bytes = b;
            return n;
        }
    fclose(f);
    return 0;
}

/* Ends the job: the marker p could not be written (its registered temporary file goes). */
static _Noreturn void marker_failed(const char *p, const char *what)
{
    const int e = errno;
    char cause[256];
    snprintf(cause, sizeof cause, "%s%s%s", what ? what : "", what ? ": " : "", e ? strerror(e) : "write error");
    ddad_error err = {0};
    ddad_error_write_failed(&err, p, cause, DDAD_RUN_WRITE_ADVICE);
    ddad_fatal_error(&err);   /* removes tmp */
}

void ddad_stage_mark_done(ddad_run *run, int stage)
{
    const ddad_dist *d = &run->dist;
    int64_t *peaks = ddad_stage_gather_gpu_peak(run);
    finish_gpu_peak(run, stage, peaks);
    double *all = d->rank == 0 ? ddad_malloc(sizeof(double) * DDAD_N_PHASES * (size_t)d->size, "timings") : NULL;
    if (d->size > 1)
        DDAD_CHECK_MPI(MPI_Gather(run->phase_time, DDAD_N_PHASES, MPI_DOUBLE, all, DDAD_N_PHASES, MPI_DOUBLE, 0, d->world));
    else
        memcpy(all, run->phase_time, sizeof run->phase_time);
    if (d->rank == 0) {
        char p[DDAD_PATH_MAX + 64], tmp[DDAD_PATH_MAX + 128];
        marker_path(run, stage, p, sizeof p);
        ddad_tmp_path(p, tmp, sizeof tmp);
        FILE *f = fopen(tmp, "w");
        if (!f) marker_failed(p, "cannot create its temporary file");
        fprintf(f, "stage %s\nranks %d\n", STAGES[stage], d->size);
        for (int r = 0; r < d->size; r++) {
            for (int ph = 0; ph < DDAD_N_PHASES; ph++) fprintf(f, "%s%.6f", ph ? " " : "", all[r * DDAD_N_PHASES + ph]);
            fputc('\n', f);
        }
        if (peaks) {
            fprintf(f, "gpu_peak_bytes");
            for (int r = 0; r < d->size; r++) fprintf(f, " %" PRId64, peaks[r]);
            fputc('\n', f);
        }
        fprintf(f, "key %s\n", stage <= DDAD_STAGE_SCORE ? run->members_key : run->refine_key);
        /* an earlier failed write sets the error flag even if the final flush succeeds */
        int bad = fflush(f) != 0 || ferror(f);
        if (fclose(f) != 0 || bad) marker_failed(p, NULL);
        if (ddad_commit_file(tmp, p) != 0) marker_failed(p, "cannot rename its temporary file");
    }
    free(all);
    free(peaks);
    memset(run->phase_time, 0, sizeof run->phase_time);
    ddad_dist_barrier(d);
}

void ddad_stage_clear_from(const ddad_run *run, int stage)
{
    if (run->dist.rank != 0) return;
    for (int s = stage; s < DDAD_N_STAGES; s++) {
        char p[DDAD_PATH_MAX + 64];
        marker_path(run, s, p, sizeof p);
        if (unlink(p) != 0 && errno != ENOENT) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot remove %s: %s", p, strerror(errno));
    }
}

/* ".NAME.tmp.DIGITS": the temporary name of ddad_tmp_path. */
static int is_tmp_name(const char *n)
{
    const char *t = strstr(n, ".tmp.");
    if (n[0] != '.' || !t || t == n) return 0;
    for (t += 5; *t; t++)
        if (*t < '0' || *t > '9') return 0;
    return t[-1] != '.';
}

void ddad_run_remove_stale_tmp(const ddad_run *run)
{
    if (run->dist.rank != 0) return;
    const char *dirs[2] = {run->out_dir, run->ckpt_dir};
    int removed = 0;
    for (int i = 0; i < 2; i++) {
        DIR *dir = opendir(dirs[i]);
        if (!dir) continue;   /* checked where it is created */
        for (struct dirent *e; (e = readdir(dir));) {
            if (!is_tmp_name(e->d_name)) continue;
            char p[DDAD_PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", dirs[i], e->d_name);
            if (unlink(p) != 0 && errno != ENOENT)
                ddad_fatal(DDAD_EXIT_RUNTIME, "cannot remove the stale temporary file %s: %s", p, strerror(errno));
            removed++;
        }
        closedir(dir);
    }
    if (removed) log_info("run: removed %d temporary file(s) an interrupted run left in %s", removed, run->out_dir);
}

int ddad_stage_check_key(const ddad_run *run, int stage, ddad_error *err)
{
    char p[DDAD_PATH_MAX + 64];
    marker_path(run, stage, p, sizeof p);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    char *line = ddad_malloc(4 * DDAD_KEY_MAX, "marker line");
    const char *want = stage <= DDAD_STAGE_SCORE ? run->members_key : run->refine_key;
    int rc = 0;
    while (fgets(line, 4 * DDAD_KEY_MAX, f)) {
        if (strncmp(line, "key ", 4) != 0) continue;
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line + 4, want) != 0) {
            char diff[1536];
            ddad_key_diff(want, line + 4, "the stage had", diff, sizeof diff);
            rc = ddad_error_set(err, DDAD_EXIT_USAGE,
                                "the %s stage in %s was run with another setup: %s. Use another Exp.out_dir, "
                                "or run without --resume to start afresh",
                                STAGES[stage], run->ckpt_dir, diff);
        }
        break;
    }
    fclose(f);
    free(line);
    return rc;
}

int ddad_stage_read_times(const ddad_run *run, int stage, double **times)
{
    int n = 0;
    *times = NULL;
    FILE *f = open_marker(run, stage, &n);
    if (!f) return 0;
    double *t = ddad_calloc((size_t)n * DDAD_N_PHASES, sizeof(double), "timings");
    for (int i = 0; i < n * DDAD_N_PHASES; i++)
        if (fscanf(f, "%lf", &t[i]) != 1) break;
    fclose(f);
    *times = t;
    return n;
}

void ddad_redo_hint(const ddad_run *run, int stage, const char *path, char *buf, size_t n)
{
    static const char *WHAT[DDAD_N_STAGES] = {"train this member", "score the test set", "train the refiner",
                                              "evaluate"};
    snprintf(buf, n, "To %s again, delete %s and %s/%s.done (if present) and rerun with --resume", WHAT[stage], path,
             run->ckpt_dir, STAGES[stage]);
}

void ddad_member_ckpt_path(const ddad_run *run, int member, char *buf, size_t n)
{
    char name[32];
    ddad_member_name(run->cfg.members, member, name, sizeof name);
    snprintf(buf, n, "%s/%s.h5", run->ckpt_dir, name);
}

void ddad_refine_ckpt_path(const ddad_run *run, char *buf, size_t n)
{
    snprintf(buf, n, "%s/refine.h5", run->ckpt_dir);
}

void ddad_score_path(const ddad_run *run, char *buf, size_t n) { snprintf(buf, n, "%s/score.h5", run->ckpt_dir); }

ddad_dataset *ddad_run_open_dataset(const ddad_run *run)
{
    ddad_error err = {0};
    ddad_dataset *ds = ddad_dataset_open(run->cfg.file, MPI_COMM_NULL, &err);
    if (!ds) {
        char prefix[DDAD_PATH_MAX + 64];
        snprintf(prefix, sizeof prefix, "cannot read the dataset %s: ", run->cfg.file);
        ddad_error_prefix(&err, prefix);
        ddad_fatal_error(&err);
    }
    return ds;
}

/* ---- preemption ---- */

static volatile sig_atomic_t g_preempt = 0;

static void on_signal(int sig)
{
    (void)sig;
    g_preempt = 1;
}

void ddad_preempt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int ddad_preempt_local(void) { return g_preempt != 0; }

int ddad_preempt_agreed(const ddad_run *run) { return ddad_dist_agree_max(&run->dist, g_preempt != 0); }

void ddad_preempt_test_hook(const ddad_run *run, const char *where, long count)
{
    /* DDAD_TEST_SIGNAL_AT=<where>:<count>[:KILL:<rank>] */
    const char *at = getenv("DDAD_TEST_SIGNAL_AT");
    if (!at) return;
    size_t n = strlen(where);
    if (strncmp(at, where, n) != 0 || at[n] != ':') return;
    char *end = NULL;
    long want = strtol(at + n + 1, &end, 10);
    if (want != count) return;
    if (end && strncmp(end, ":KILL:", 6) == 0) {
        if (atoi(end + 6) == run->dist.rank) raise(SIGKILL);   /* a hard failure of one rank */
        return;
    }
    if (run->dist.rank == 0) raise(SIGUSR1);
}

void ddad_preempt_exit(const ddad_run *run, const char *where)
{
    ddad_dist_barrier(&run->dist);
    if (run->dist.rank == 0) {
        fprintf(stderr,
                "ddad: preempted during %s: a consistent checkpoint is in %s; rerun with --resume to continue "
                "(exit status %d = preempted, resumable)\n",
                where, run->ckpt_dir, DDAD_EXIT_PREEMPTED);
        fflush(stderr);
    }
    fflush(stdout);
    MPI_Finalize();
    exit(DDAD_EXIT_PREEMPTED);
}

/* The DDAD job: its state across stages and the stages themselves.
 *
 * Stages run in order: members -> score -> refine -> eval. Each leaves its products under
 * OUT/checkpoints/ and a marker OUT/checkpoints/<stage>.done, so a later stage can start
 * from the run directory of an earlier run, and --resume skips finished stages. */
#ifndef DDAD_PIPELINE_RUN_H
#define DDAD_PIPELINE_RUN_H

#include <stdint.h>

#include "data/dataset.h"
#include "dist/dist.h"
#include "io/config.h"

enum { DDAD_STAGE_MEMBERS, DDAD_STAGE_SCORE, DDAD_STAGE_REFINE, DDAD_STAGE_EVAL, DDAD_N_STAGES };
enum { DDAD_PHASE_TRAIN, DDAD_PHASE_REDUCE, DDAD_PHASE_REFINE, DDAD_PHASE_EVAL, DDAD_PHASE_IO, DDAD_N_PHASES };

/* Exit status of a run stopped by SIGUSR1/SIGTERM after writing a consistent checkpoint. */
#define DDAD_EXIT_PREEMPTED 3

/* Room for a setup key (ddad_config_train_key plus the dataset's digest). */
#define DDAD_KEY_MAX 2048

typedef struct {
    ddad_config cfg;
    ddad_dist dist;
    char out_dir[DDAD_PATH_MAX];
    char ckpt_dir[DDAD_PATH_MAX + 32];
    int resume;
    int quiet;
    int64_t refine_steps;              /* > 0: stop the refiner after this many steps (tests) */
    ddad_dataset_info data;            /* of Data.file */
    /* What a checkpoint must agree with: a readable "Section.key=value ..." line of every
     * configuration key that changes what the stage trains (ddad_config_train_key), and the
     * dataset's content digest (Data.digest). */
    char members_key[DDAD_KEY_MAX];
    char refine_key[DDAD_KEY_MAX];
    double phase_time[DDAD_N_PHASES];  /* this rank, this stage */
    int gpu;                           /* CUDA device this rank trains on; -1: the CPU */
    char devices[512];                 /* what ran where, for the log and results.h5 */
} ddad_run;

/* Chooses where the members and the refiner train from Exp.device (collective): cpu; cuda
 * (every rank needs a GPU, else a usage error in err); auto (the GPU when every rank sees
 * one, else the CPU). Logs the choice, and with a GPU one line per rank naming its device. */
int ddad_run_pick_device(ddad_run *run, ddad_error *err);

/* Puts prefix in front of e->msg (truncating the end when it does not fit). */
void ddad_error_prefix(ddad_error *e, const char *prefix);

const char *ddad_stage_name(int stage);
const char *ddad_phase_name(int phase);

/* The stages. Each is collective over all ranks. */
void ddad_stage_members(ddad_run *run);
void ddad_stage_score(ddad_run *run);
/* Returns 1 when stopped early by refine_steps (no marker written), else 0. */
int ddad_stage_refine(ddad_run *run);
void ddad_stage_eval(ddad_run *run);

/* Markers: OUT/checkpoints/<stage>.done (rank 0 writes, with every rank's phase times). */
int ddad_stage_done(const ddad_run *run, int stage);
void ddad_stage_mark_done(ddad_run *run, int stage);
/* -1 (usage error naming the difference) when the marker of stage was written for another
 * configuration; 0 when it matches or there is no marker. */
int ddad_stage_check_key(const ddad_run *run, int stage, ddad_error *err);
void ddad_stage_clear_from(const ddad_run *run, int stage);   /* removes markers of stage.. */
/* Rank 0 removes the temporary files (".NAME.tmp.PID") that an earlier run of Exp.out_dir
 * left when it was killed, or when another rank's failure killed it mid-write. */
void ddad_run_remove_stale_tmp(const ddad_run *run);
/* With a GPU: every rank's peak device memory allocated in this stage so far, on rank 0
 * (malloc'd, size entries; NULL elsewhere and on the CPU). Collective. The stage's marker
 * (ddad_stage_mark_done) records the peaks, logs them and starts the next stage's count. */
int64_t *ddad_stage_gather_gpu_peak(const ddad_run *run);
/* The peaks a marker holds (written by a GPU run): returns the number of ranks, 0 if none. */
int ddad_stage_read_gpu_peak(const ddad_run *run, int stage, int64_t **bytes);
/* Reads the per-rank phase times a marker holds: returns the number of ranks (0 if none);
 * times gets n x DDAD_N_PHASES doubles (malloc'd). */
int ddad_stage_read_times(const ddad_run *run, int stage, double **times);

/* What to do about a file of `stage` (path) that cannot be used: "To train this member
 * again, delete PATH and OUT/checkpoints/members.done (if present) and rerun with --resume". */
void ddad_redo_hint(const ddad_run *run, int stage, const char *path, char *buf, size_t n);

/* Paths under OUT/checkpoints. */
void ddad_member_ckpt_path(const ddad_run *run, int member, char *buf, size_t n);
void ddad_refine_ckpt_path(const ddad_run *run, char *buf, size_t n);
void ddad_score_path(const ddad_run *run, char *buf, size_t n);

/* Opens Data.file for this rank (independent reads). Ends the job on failure. */
ddad_dataset *ddad_run_open_dataset(const ddad_run *run);

/* Preemption: SIGUSR1/SIGTERM set a flag; ddad_preempt_agreed() is collective. */
void ddad_preempt_install(void);
int ddad_preempt_local(void);
int ddad_preempt_agreed(const ddad_run *run);
/* Tests: with DDAD_TEST_SIGNAL_AT=<where>:<n> in the environment, rank 0 sends itself
 * SIGUSR1 when count == n at the point named where ("members" rounds, "refine" steps);
 * with <where>:<n>:KILL:<r>, rank r dies by SIGKILL there instead. */
void ddad_preempt_test_hook(const ddad_run *run, const char *where, long count);
_Noreturn void ddad_preempt_exit(const ddad_run *run, const char *where);

#endif

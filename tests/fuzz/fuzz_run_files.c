/* Fuzzes what `ddad run --resume` and `ddad info` open from a run directory:
 *   an HDF5 input (by its signature), or a recipe for one (fuzz_h5build.h), is tried as a training checkpoint (pipeline/ckpt.c,
 *   model/checkpoint.c: with and without the optimizer), as the score file score.h5 (read
 *   the way stage_eval.c reads it), as a results file (io/results_info.c), and through
 *   the root "kind" lookup of `ddad info`;
 *   any other input is a stage marker OUT/checkpoints/<stage>.done (pipeline/run.c). */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_h5build.h"
#include "fuzz_net.h"
#include "fuzz_util.h"
#include "io/h5attr.h"
#include "io/h5util.h"
#include "io/results.h"
#include "pipeline/ckpt.h"
#include "pipeline/run.h"

#define SCORE_MAX_N 64   /* the harness reads score files of up to this many images in full */

static void need_message(int rc, const ddad_error *err, const char *what)
{
    if (rc != 0 && !err->msg[0]) {
        fprintf(stderr, "%s failed without a message\n", what);
        __builtin_trap();
    }
}

static void try_checkpoint(const char *path)
{
    static ddad_paramset train, eval;
    static int built;
    if (!built) {
        fuzz_net_build(&train, 1);
        fuzz_net_build(&eval, 0);
        built = 1;
    }
    ddad_train_state st;
    ddad_train_state_init(&st, FUZZ_EPOCHS);
    ddad_error err = {0};
    int rc = ddad_ckpt_load(path, FUZZ_KEY_MEMBERS, &train, 1, &st, "", &err);
    need_message(rc, &err, "checkpoint load");
    if (rc == 0 && (st.epoch < 0 || st.epoch > st.cap || st.batch < 0)) __builtin_trap();
    ddad_train_state_free(&st);
    memset(&err, 0, sizeof err);
    need_message(ddad_ckpt_load(path, FUZZ_KEY_REFINE, &eval, 0, NULL, "", &err), &err, "checkpoint load (eval)");
}

static void try_score_file(const char *path)
{
    hid_t sf = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (sf < 0) return;
    const size_t hw = FUZZ_SCORE_IMG * FUZZ_SCORE_IMG;
    int64_t n = ddad_h5_rows(sf, "labels");
    if (n >= 1) {
        int64_t nb = n < 8 ? n : 8;
        float *rows = malloc(sizeof(float) * (size_t)nb * hw);
        if (!rows) abort();
        ddad_error err = {0};
        need_message(ddad_h5_read_rows(sf, "map_intra", H5T_NATIVE_FLOAT, 0, nb, hw, rows, &err), &err, "score rows");
        memset(&err, 0, sizeof err);
        need_message(ddad_h5_read_rows(sf, "map_inter", H5T_NATIVE_FLOAT, n - nb, nb, hw, rows, &err), &err, "score rows");
        free(rows);
    }
    if (n >= 1 && n <= SCORE_MAX_N) {
        static const char *BASE[3] = {"rec", "intra", "inter"};
        char *names = calloc((size_t)n, DDAD_NAME_MAX);
        int8_t *labels = malloc((size_t)n);
        float *scores = malloc(sizeof(float) * (size_t)n), *maps = malloc(sizeof(float) * (size_t)n * hw);
        if (!names || !labels || !scores || !maps) abort();
        ddad_error err = {0};
        need_message(ddad_h5_read_strings(sf, "names", names, (size_t)n, DDAD_NAME_MAX, &err), &err, "score names");
        need_message(ddad_h5_read(sf, "labels", H5T_NATIVE_INT8, (size_t)n, labels, &err), &err, "score labels");
        for (int k = 0; k < 3; k++) {
            char nm[32];
            snprintf(nm, sizeof nm, "map_%s", BASE[k]);
            need_message(ddad_h5_read(sf, BASE[k], H5T_NATIVE_FLOAT, (size_t)n, scores, &err), &err, "scores");
            need_message(ddad_h5_read(sf, nm, H5T_NATIVE_FLOAT, (size_t)n * hw, maps, &err), &err, "score maps");
        }
        free(names);
        free(labels);
        free(scores);
        free(maps);
    }
    H5Fclose(sf);
}

static void try_results(const char *path)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
    char kind[64];
    ddad_error err = {0};
    need_message(ddad_h5_file_kind(path, kind, sizeof kind, &err), &err, "file kind");
    ddad_results_info(path, sink);
}

static void try_marker(const uint8_t *data, size_t size)
{
    static ddad_run run;
    if (!run.ckpt_dir[0]) {
        snprintf(run.ckpt_dir, sizeof run.ckpt_dir, "%s", fuzz_scratch_dir());
        snprintf(run.members_key, sizeof run.members_key, "%s", FUZZ_KEY_MEMBERS);
        snprintf(run.refine_key, sizeof run.refine_key, "%s", FUZZ_KEY_REFINE);
    }
    static const int STAGES[2] = {DDAD_STAGE_MEMBERS, DDAD_STAGE_REFINE};
    static const char *FILES[2] = {"members.done", "refine.done"};
    for (int i = 0; i < 2; i++) {
        fuzz_write_file(FILES[i], data, size);
        ddad_error err = {0};
        need_message(ddad_stage_check_key(&run, STAGES[i], &err), &err, "marker key");
        double *times = NULL;
        int n = ddad_stage_read_times(&run, STAGES[i], &times);
        if (n < 0 || (n > 0 && !times)) __builtin_trap();
        for (int k = 0; k < n * DDAD_N_PHASES; k++) times[k] += 0.0;   /* all n x phases are there */
        free(times);
        int64_t *peaks = NULL;
        n = ddad_stage_read_gpu_peak(&run, STAGES[i], &peaks);
        for (int k = 0; k < n; k++) peaks[k] += 0;
        free(peaks);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t HDF5_SIG[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    const char *path;
    if (fuzz_h5_is_recipe(data, size)) {
        path = fuzz_write_file("run_file.h5", NULL, 0);
        fuzz_h5_build(data, size, path);
    } else if (size < 8 || memcmp(data, HDF5_SIG, 8) != 0) {
        try_marker(data, size);
        return 0;
    } else if (fuzz_h5_raw_enabled()) {
        path = fuzz_write_file("run_file.h5", data, size);
    } else {
        return 0;
    }
    try_checkpoint(path);
    try_score_file(path);
    try_results(path);
    return 0;
}

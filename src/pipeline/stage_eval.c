/* Stage 4: the refiner's scores on the test set (data-parallel over test images), the
 * metrics of every score, OUT/results.h5 and OUT/metrics.json. */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/free_space.h"
#include "core/log.h"
#include "core/util.h"
#include "ddad_version.h"
#include "eval/metrics.h"
#include "io/h5check.h"
#include "io/h5util.h"
#include "io/results.h"
#include "model/refine.h"
#include "pipeline/ckpt.h"
#include "pipeline/fault_inject.h"
#include "pipeline/maps.h"
#include "pipeline/members_io.h"
#include "pipeline/run.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/gpu_chunk.h"
#include "cuda/refine_infer_gpu.h"
#endif

#define EVAL_CHUNK 32
/* With a GPU, larger chunks: up to 256 images and 2^19 pixels (128 at 64x64), which keeps
 * the refiner's activations (about 600 floats per pixel) near 1.2 GiB. */
#define EVAL_GPU_CHUNK 256
#define EVAL_GPU_MAX_PIXELS ((size_t)1 << 19)

static void check(int rc, const ddad_error *err, const char *what)
{
    if (rc) ddad_fatal(err->code ? err->code : DDAD_EXIT_RUNTIME, "%s: %s", what, err->msg);
}

static void results_path(const ddad_run *run, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", run->out_dir, name);
}

/* A failed write to OUT/<name> (results.h5 or metrics.json) ends the job, naming the file and
 * the free space; ddad_fatal removes the temporary file. */
static void check_write(const ddad_run *run, const char *name, int rc, const ddad_error *err, const char *what)
{
    if (!rc) return;
    char path[DDAD_PATH_MAX + 64], why[sizeof err->msg + 256];
    results_path(run, name, path, sizeof path);
    snprintf(why, sizeof why, "%s%s%s", what, err && err->msg[0] ? ": " : "", err ? err->msg : "");
    ddad_error e = {0};
    ddad_error_write_failed(&e, path, why, DDAD_RUN_WRITE_ADVICE);
    ddad_fatal_error(&e);
}

/* A failed read of score.h5: its datasets carry checksums, so this is a damaged file. */
static void check_score(const ddad_run *run, int rc, const ddad_error *err)
{
    if (!rc) return;
    char path[DDAD_PATH_MAX + 64], redo[3 * DDAD_PATH_MAX];
    ddad_score_path(run, path, sizeof path);
    ddad_redo_hint(run, DDAD_STAGE_SCORE, path, redo, sizeof redo);
    ddad_fatal(DDAD_EXIT_USAGE, "score file %s is damaged or unreadable: %s; it was not used. %s", path, err->msg, redo);
}

/* Opens score.h5 after checking that it opens cleanly and belongs to this run's members. */
static hid_t open_score_file(const ddad_run *run)
{
    char path[DDAD_PATH_MAX + 64], redo[3 * DDAD_PATH_MAX], why[256];
    ddad_score_path(run, path, sizeof path);
    if (!ddad_file_exists(path)) ddad_fatal(DDAD_EXIT_USAGE, "cannot read %s: run the score stage first (--stage score)", path);
    ddad_redo_hint(run, DDAD_STAGE_SCORE, path, redo, sizeof redo);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        ddad_h5_reason(why, sizeof why);
        ddad_fatal(DDAD_EXIT_USAGE, "score file %s is damaged or truncated: HDF5 cannot open it (%s); it was not used. %s",
                   path, why, redo);
    }
    ddad_error err = {0};
    char *have = ddad_malloc(2 * DDAD_KEY_MAX, "score key");
    check_score(run,
                ddad_h5c_attr_exists(f, "key", &err) < 0 || ddad_h5_read_attr_str(f, "key", have, 2 * DDAD_KEY_MAX, &err),
                &err);
    if (strcmp(have, run->members_key) != 0) {
        char diff[1536];
        ddad_key_diff(run->members_key, have, "the score file has", diff, sizeof diff);
        ddad_fatal(DDAD_EXIT_USAGE,
                   "score file %s was written for another setup: %s. Use another Exp.out_dir, or run without --resume "
                   "to start afresh",
                   path, diff);
    }
    free(have);
    return f;
}

/* The refiner's probability maps of test images [s0, s1) (this rank's share). */
static void refine_scores(ddad_run *run, hid_t sf, int64_t s0, int64_t s1, float *scores, float *maps)
{
    const ddad_config *c = &run->cfg;
    const int c_in = ddad_refine_in_channels(c), H = c->img_size;
    size_t hw = (size_t)H * (size_t)H;
    ddad_refine *r = ddad_refine_create(c_in, H, H, EVAL_CHUNK, 0);
    if (!r) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot create the refiner (out of memory?)");
    char path[DDAD_PATH_MAX + 64];
    ddad_refine_ckpt_path(run, path, sizeof path);
    ddad_error err = {0};
    ddad_train_state st;
    ddad_train_state_init(&st, c->r_num_epoch);
    check(ddad_run_ckpt_load(run, DDAD_STAGE_REFINE, path, ddad_refine_paramset(r), 0, &st, &err), &err,
          "loading the refiner");
    ddad_train_state_free(&st);
    int chunk = EVAL_CHUNK;
#ifdef DDAD_WITH_CUDA
    ddad_refine_infer_gpu *gpu = NULL;
    if (run->gpu >= 0) {
        chunk = ddad_gpu_chunk(EVAL_GPU_CHUNK, EVAL_GPU_MAX_PIXELS / hw, (size_t)(s1 - s0));   /* this rank's share */
        gpu = ddad_refine_infer_gpu_create(r, c_in, H, H, chunk, !strcmp(c->precision, "tf32"));
    }
#endif
    size_t rows = (size_t)chunk * hw;
    float *inter = ddad_malloc_aligned(sizeof(float) * rows, "A_inter");
    float *intra = ddad_malloc_aligned(sizeof(float) * rows, "A_intra");
    float *in = ddad_malloc_aligned(sizeof(float) * rows * (size_t)c_in, "refiner input");
    float *prob = ddad_malloc_aligned(sizeof(float) * rows, "refiner output");
    for (int64_t s = s0; s < s1; s += chunk) {
        int nb = (int)(s1 - s < chunk ? s1 - s : chunk);
        double t0 = ddad_now();
        ddad_fault_read_batch(run, DDAD_STAGE_EVAL);
        check_score(run, ddad_h5_read_rows(sf, "map_intra", H5T_NATIVE_FLOAT, s, nb, hw, intra, &err), &err);
        if (c_in == 2)
            check_score(run, ddad_h5_read_rows(sf, "map_inter", H5T_NATIVE_FLOAT, s, nb, hw, inter, &err), &err);
        double t1 = ddad_now();
        run->phase_time[DDAD_PHASE_IO] += t1 - t0;
        for (int i = 0; i < nb; i++) {
            float *dst = in + (size_t)i * (size_t)c_in * hw;
            if (c_in == 2) {
                memcpy(dst, inter + (size_t)i * hw, hw * sizeof(float));
                dst += hw;
            }
            memcpy(dst, intra + (size_t)i * hw, hw * sizeof(float));
        }
#ifdef DDAD_WITH_CUDA
        if (gpu)
            ddad_refine_infer_gpu_run(gpu, in, nb, prob);
        else
#endif
            ddad_refine_infer(r, in, nb, prob);
        for (int i = 0; i < nb; i++) scores[s - s0 + i] = ddad_map_mean(prob + (size_t)i * hw, hw);
        if (maps) memcpy(maps + (size_t)(s - s0) * hw, prob, (size_t)nb * hw * sizeof(float));
        run->phase_time[DDAD_PHASE_EVAL] += ddad_now() - t1;
    }
    free(inter);
    free(intra);
    free(in);
    free(prob);
#ifdef DDAD_WITH_CUDA
    ddad_refine_infer_gpu_free(gpu);
#endif
    ddad_refine_free(r);
}

static void gather_rows(const ddad_dist *d, const float *local, int64_t nloc, size_t row, float *all, const int64_t *starts)
{
    if (d->size == 1) {
        memcpy(all, local, (size_t)nloc * row * sizeof(float));
        return;
    }
    int *counts = ddad_malloc(sizeof(int) * (size_t)d->size, "counts");
    int *displs = ddad_malloc(sizeof(int) * (size_t)d->size, "displs");
    for (int r = 0; r < d->size; r++) {
        size_t cnt = (size_t)(starts[r + 1] - starts[r]) * row, dsp = (size_t)starts[r] * row;
        if (cnt > (size_t)1 << 30 || dsp > (size_t)1 << 30)
            ddad_fatal(DDAD_EXIT_RUNTIME, "the test maps are too large for one gather (save_maps with a huge test set)");
        counts[r] = (int)cnt;
        displs[r] = (int)dsp;
    }
    DDAD_CHECK_MPI(MPI_Gatherv(local, (int)((size_t)nloc * row), MPI_FLOAT, all, counts, displs, MPI_FLOAT, 0, d->world));
    free(counts);
    free(displs);
}

static void compute_metrics(ddad_score_entry *e, int64_t n, size_t hw, const int8_t *labels, const uint8_t *masks)
{
    e->auc = ddad_auroc(e->scores, labels, (size_t)n);
    e->ap = ddad_average_precision(e->scores, labels, (size_t)n);
    e->chi2 = ddad_chi2_histogram_distance(e->scores, labels, (size_t)n);
    e->pixel_auroc = e->best_dice = NAN;
    if (masks && e->maps) {
        e->pixel_auroc = ddad_pixel_auroc(e->maps, masks, (size_t)n * hw);
        e->best_dice = ddad_best_dice(e->maps, masks, (size_t)n * hw, NULL);
    }
}

/* Rank 0 writes everything but the maps' rows into the results file under its temporary
 * name (tmp, RESULTS_TMP_MAX bytes); the caller lets the ranks write the maps and renames. */
#define RESULTS_TMP_MAX (DDAD_PATH_MAX + 128)
static void write_results(ddad_run *run, int64_t n, const char *names, const int8_t *labels, const uint8_t *images,
                          ddad_score_entry *e, int ne, const double *eval_times, const int64_t *eval_gpu_peak,
                          char *tmp)
{
    const ddad_config *c = &run->cfg;
    const ddad_dist *d = &run->dist;
    char path[DDAD_PATH_MAX + 64];
    results_path(run, "results.h5", path, sizeof path);
    ddad_tmp_path(path, tmp, RESULTS_TMP_MAX);
    ddad_error err = {0};
    hid_t f = ddad_results_create(tmp, &err);
    check_write(run, "results.h5", f < 0, &err, "creating its temporary file");

    char *yaml = ddad_malloc(1 << 16, "config text");
    ddad_config_to_yaml(c, yaml, 1 << 16);
    check_write(run, "results.h5", ddad_results_write_run(f, yaml, DDAD_GIT_REV, d->size, run->devices, &err), &err,
                "writing the run");
    free(yaml);

    const char *phases = "train,reduce,refine,eval,io";
    for (int s = 0; s < DDAD_STAGE_EVAL; s++) {
        double *t = NULL;
        int nr = ddad_stage_read_times(run, s, &t);
        if (nr > 0)
            check_write(run, "results.h5",
                        ddad_results_write_timings(f, ddad_stage_name(s), t, nr, DDAD_N_PHASES, phases, &err), &err,
                        "writing timings");
        free(t);
    }
    check_write(run, "results.h5", ddad_results_write_timings(f, "eval", eval_times, d->size, DDAD_N_PHASES, phases, &err),
                &err, "writing timings");
    for (int s = 0; s < DDAD_STAGE_EVAL; s++) {
        int64_t *b = NULL;
        int nr = ddad_stage_read_gpu_peak(run, s, &b);
        if (nr > 0)
            check_write(run, "results.h5", ddad_results_write_gpu_peak(f, ddad_stage_name(s), b, nr, &err), &err,
                        "writing GPU memory");
        free(b);
    }
    if (eval_gpu_peak)
        check_write(run, "results.h5", ddad_results_write_gpu_peak(f, "eval", eval_gpu_peak, d->size, &err), &err,
                    "writing GPU memory");

    for (int m = 0; m < d->n_members; m++) {
        ddad_ae *ae = ddad_member_load_eval(run, m, 1);
        char name[32], grp[64], cpath[DDAD_PATH_MAX + 64];
        ddad_member_name(d->K, m, name, sizeof name);
        ddad_member_ckpt_path(run, m, cpath, sizeof cpath);
        ddad_train_state st;
        ddad_train_state_init(&st, c->num_epoch);
        check(ddad_run_ckpt_load(run, DDAD_STAGE_MEMBERS, cpath, ddad_ae_paramset(ae), 0, &st, &err), &err,
              "loading a member");
        snprintf(grp, sizeof grp, "members/%s", name);
        check_write(run, "results.h5", ddad_results_write_network(f, grp, ddad_ae_paramset(ae), grp, st.loss, st.epoch, &err),
                    &err, "writing a member");
        ddad_train_state_free(&st);
        ddad_ae_free(ae);
    }
    {
        ddad_refine *r = ddad_refine_create(ddad_refine_in_channels(c), c->img_size, c->img_size, 1, 0);
        char cpath[DDAD_PATH_MAX + 64];
        ddad_refine_ckpt_path(run, cpath, sizeof cpath);
        ddad_train_state st;
        ddad_train_state_init(&st, c->r_num_epoch);
        check(ddad_run_ckpt_load(run, DDAD_STAGE_REFINE, cpath, ddad_refine_paramset(r), 0, &st, &err), &err,
              "loading the refiner");
        check_write(run, "results.h5",
                    ddad_results_write_network(f, "refiner", ddad_refine_paramset(r), "refiner", st.loss, st.epoch, &err),
                    &err, "writing the refiner");
        ddad_train_state_free(&st);
        ddad_refine_free(r);
    }
    check_write(run, "results.h5",
                ddad_results_write_scores(f, n, c->img_size, names, DDAD_NAME_MAX, labels, e, ne, c->save_maps, &err), &err,
                "writing scores");
    if (images) {
        hsize_t d3[3] = {(hsize_t)n, (hsize_t)c->img_size, (hsize_t)c->img_size};
        hid_t g = ddad_h5_group(f, "images", &err);
        check_write(run, "results.h5", g < 0 || ddad_h5_write(g, "test", H5T_NATIVE_UINT8, 3, d3, images, &err), &err,
                    "writing test images");
        check_write(run, "results.h5", H5Gclose(g) < 0, NULL, "closing the group images");
    }
    check_write(run, "results.h5", ddad_results_write_metrics(f, e, ne, &err), &err, "writing metrics");
    /* the data may sit in HDF5's caches until the close: a failed close is a failed write */
    check_write(run, "results.h5", H5Fclose(f) < 0, NULL, "HDF5: closing the file failed");
}

/* Every rank writes its rows [s0, s1) of each map: rec / intra / inter from the score file,
 * the refiner's from its own slice. Collective MPI-IO with a parallel HDF5; with a serial
 * one the ranks take turns. */
static void write_map_rows(ddad_run *run, const char *tmp, hid_t sf, int64_t s0, int64_t s1, const float *loc_maps,
                           const char *refine_name)
{
    const ddad_config *c = &run->cfg;
    const ddad_dist *d = &run->dist;
    const size_t hw = (size_t)c->img_size * (size_t)c->img_size;
    static const char *BASE[3] = {"rec", "intra", "inter"};
    float *rows = ddad_malloc_aligned(sizeof(float) * (size_t)(s1 - s0 + 1) * hw, "map rows");
    ddad_error err = {0};
#ifdef DDAD_HDF5_PARALLEL
    const int collective = d->size > 1;
#else
    const int collective = 0;
#endif
    for (int turn = 0; turn < (collective ? 1 : d->size); turn++) {
        if (!collective && turn != d->rank) {
            DDAD_CHECK_MPI(MPI_Barrier(d->world));
            continue;
        }
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (fapl < 0 || dxpl < 0) ddad_fatal(DDAD_EXIT_RUNTIME, "HDF5: cannot create property lists");
#ifdef DDAD_HDF5_PARALLEL
        if (collective) {
            DDAD_CHECK_H5(H5Pset_fapl_mpio(fapl, d->world, MPI_INFO_NULL));
            DDAD_CHECK_H5(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
        }
#endif
        hid_t f = H5Fopen(tmp, H5F_ACC_RDWR, fapl);
        check_write(run, "results.h5", f < 0, NULL, "cannot open its temporary file to write the maps");
        for (int k = 0; k < 4; k++) {
            const float *src = loc_maps;
            if (k < 3) {
                char nm[32];
                snprintf(nm, sizeof nm, "map_%s", BASE[k]);
                ddad_fault_read_batch(run, DDAD_STAGE_EVAL);
                if (s1 > s0)
                    check_score(run, ddad_h5_read_rows(sf, nm, H5T_NATIVE_FLOAT, s0, s1 - s0, hw, rows, &err), &err);
                src = rows;
            }
            check_write(run, "results.h5",
                        ddad_results_write_map_rows(f, k < 3 ? BASE[k] : refine_name, s0, s1 - s0, c->img_size, src,
                                                    dxpl, &err),
                        &err, "writing the maps");
        }
        check_write(run, "results.h5", H5Fclose(f) < 0, NULL, "HDF5: closing the file after the maps failed");
        H5Pclose(fapl);
        H5Pclose(dxpl);
        if (!collective) DDAD_CHECK_MPI(MPI_Barrier(d->world));
    }
    free(rows);
}

void ddad_stage_eval(ddad_run *run)
{
    const ddad_config *c = &run->cfg;
    ddad_dist *d = &run->dist;
    size_t hw = (size_t)c->img_size * (size_t)c->img_size;
    hid_t sf = open_score_file(run);
    int64_t n = ddad_h5_rows(sf, "labels");
    if (n < 1) ddad_fatal(DDAD_EXIT_USAGE, "the score file has no test images: rerun the score stage");

    /* Masks (pixel metrics) when the dataset has them. */
    uint8_t *masks = NULL, *images = NULL;
    if (d->rank == 0) {
        ddad_dataset *ds = ddad_run_open_dataset(run);
        ddad_error err = {0};
        if (ddad_dataset_get_info(ds)->has_masks) {
            masks = ddad_malloc((size_t)n * hw, "test masks");
            check(ddad_dataset_read_masks(ds, 0, n, masks, &err), &err, "reading the test masks");
        }
        if (c->save_maps) {
            /* The test images go with the maps, for figures. */
            images = ddad_malloc((size_t)n * hw, "test images");
            check(ddad_dataset_read_images(ds, DDAD_SPLIT_TEST, 0, n, images, &err), &err, "reading the test images");
        }
        ddad_dataset_close(ds);
    }
    char tmp[RESULTS_TMP_MAX] = "";
    int need_maps = c->save_maps;
    if (d->rank == 0) need_maps |= masks != NULL;
    ddad_dist_bcast(d, &need_maps, sizeof need_maps, 0);

    int64_t *starts = ddad_malloc(sizeof(int64_t) * (size_t)(d->size + 1), "slices");
    for (int r = 0; r <= d->size; r++) starts[r] = n * r / d->size;
    int64_t s0 = starts[d->rank], s1 = starts[d->rank + 1];
    float *loc_scores = ddad_malloc(sizeof(float) * (size_t)(s1 - s0 + 1), "refiner scores");
    float *loc_maps = need_maps ? ddad_malloc_aligned(sizeof(float) * (size_t)(s1 - s0 + 1) * hw, "refiner maps") : NULL;
    refine_scores(run, sf, s0, s1, loc_scores, loc_maps);

    ddad_score_entry e[4];
    memset(e, 0, sizeof e);
    static const char *BASE[3] = {"rec", "intra", "inter"};
    for (int k = 0; k < 3; k++) snprintf(e[k].name, sizeof e[k].name, "%s", BASE[k]);
    snprintf(e[3].name, sizeof e[3].name, "%s", ddad_refine_in_channels(c) == 2 ? "r_dual" : "r_intra");
    if (d->rank == 0) {
        e[3].scores = ddad_malloc(sizeof(float) * (size_t)n, "refiner scores");
        if (need_maps) e[3].maps = ddad_malloc_aligned(sizeof(float) * (size_t)n * hw, "refiner maps");
    }
    double t0 = ddad_now();
    gather_rows(d, loc_scores, s1 - s0, 1, e[3].scores, starts);
    if (need_maps) gather_rows(d, loc_maps, s1 - s0, hw, e[3].maps, starts);
    run->phase_time[DDAD_PHASE_EVAL] += ddad_now() - t0;

    /* Everyone's eval-stage times, for the results file. */
    double *times = d->rank == 0 ? ddad_malloc(sizeof(double) * DDAD_N_PHASES * (size_t)d->size, "timings") : NULL;
    if (d->size > 1)
        DDAD_CHECK_MPI(MPI_Gather(run->phase_time, DDAD_N_PHASES, MPI_DOUBLE, times, DDAD_N_PHASES, MPI_DOUBLE, 0, d->world));
    else
        memcpy(times, run->phase_time, sizeof run->phase_time);
    int64_t *gpu_peak = ddad_stage_gather_gpu_peak(run);

    if (d->rank == 0) {
        ddad_error err = {0};
        char *names = ddad_calloc((size_t)n, DDAD_NAME_MAX, "test names");
        int8_t *labels = ddad_malloc((size_t)n, "labels");
        check_score(run, ddad_h5_read_strings(sf, "names", names, (size_t)n, DDAD_NAME_MAX, &err), &err);
        check_score(run, ddad_h5_read(sf, "labels", H5T_NATIVE_INT8, (size_t)n, labels, &err), &err);
        for (int k = 0; k < 3; k++) {
            e[k].scores = ddad_malloc(sizeof(float) * (size_t)n, "scores");
            check_score(run, ddad_h5_read(sf, BASE[k], H5T_NATIVE_FLOAT, (size_t)n, e[k].scores, &err), &err);
            if (need_maps) {
                char nm[32];
                snprintf(nm, sizeof nm, "map_%s", BASE[k]);
                e[k].maps = ddad_malloc_aligned(sizeof(float) * (size_t)n * hw, "maps");
                check_score(run, ddad_h5_read(sf, nm, H5T_NATIVE_FLOAT, (size_t)n * hw, e[k].maps, &err), &err);
            }
        }
        double t1 = ddad_now();
        for (int k = 0; k < 4; k++) compute_metrics(&e[k], n, hw, labels, masks);
        times[DDAD_PHASE_EVAL] += ddad_now() - t1;
        write_results(run, n, names, labels, images, e, 4, times, gpu_peak, tmp);
        free(names);
        free(labels);
    }
    if (c->save_maps) {
        ddad_dist_bcast(d, tmp, sizeof tmp, 0);
        /* Every rank writes into the file now, and a rank that fails ends the job before
         * rank 0 can clean up: each one removes the file when it fails. */
        if (d->rank != 0) ddad_tmpfile_register(tmp);
        write_map_rows(run, tmp, sf, s0, s1, loc_maps, e[3].name);
        if (d->rank != 0) ddad_tmpfile_unregister(tmp);
    }
    char path[DDAD_PATH_MAX + 64], json[DDAD_PATH_MAX + 64];
    results_path(run, "results.h5", path, sizeof path);
    results_path(run, "metrics.json", json, sizeof json);
    if (d->rank == 0) {
        ddad_error err = {0};
        if (ddad_commit_file(tmp, path) != 0) {
            snprintf(err.msg, sizeof err.msg, "%s", strerror(errno));
            check_write(run, "results.h5", 1, &err, "cannot rename its temporary file");
        }
        /* Until eval.done is written the results would look complete without being so: a
         * failure from here on removes them too. */
        ddad_tmpfile_register(path);
        ddad_tmpfile_register(json);
        check_write(run, "metrics.json", ddad_results_write_json(json, e, 4, &err), &err, "");
        log_info("eval: wrote %s and %s", path, json);
        if (!run->quiet) ddad_results_print_table(e, 4, stdout);
    }
    H5Fclose(sf);
    for (int k = 0; k < 4; k++) {
        free(e[k].scores);
        free(e[k].maps);
    }
    free(times);
    free(gpu_peak);
    free(starts);
    free(loc_scores);
    free(loc_maps);
    free(masks);
    free(images);
    ddad_stage_mark_done(run, DDAD_STAGE_EVAL);
    ddad_tmpfile_unregister(path);
    ddad_tmpfile_unregister(json);
}

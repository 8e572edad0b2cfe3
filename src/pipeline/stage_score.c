/* Stage 2: the discrepancy scores of the test set.
 *
 * Every rank reconstructs the test images with its members (eval mode) in chunks; the
 * member reduction gives every member's output in member order, from which rank 0 forms
 * A_rec, A_intra and A_inter. The result (maps and image scores) goes to
 * OUT/checkpoints/score.h5 for the refiner's evaluation and the results file. With a GPU
 * (run->gpu >= 0) the forwards, the gather and the maps run on the device (score_gpu.h);
 * the image scores are the maps' means on the host either way. */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/free_space.h"
#include "core/log.h"
#include "core/util.h"
#include "data/batch.h"
#include "io/h5check.h"
#include "io/h5util.h"
#include "pipeline/maps.h"
#include "pipeline/members_io.h"
#include "pipeline/run.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/score_gpu.h"
#endif

#define SCORE_CHUNK 32

/* Ends the job: score.h5 could not be written. */
static _Noreturn void score_write_failed(const char *path, const char *cause, const char *detail)
{
    char why[2048];
    snprintf(why, sizeof why, "%s%s", cause, detail ? detail : "");
    ddad_error err = {0};
    ddad_error_write_failed(&err, path, why, DDAD_RUN_WRITE_ADVICE);
    ddad_fatal_error(&err);   /* removes the registered temporary file */
}

static void write_scores(ddad_run *run, int64_t n, const char *names, const int8_t *labels,
                         float *const maps[3], float *const scores[3])
{
    static const char *MAP_NAMES[3] = {"rec", "intra", "inter"};
    char path[DDAD_PATH_MAX + 64], tmp[DDAD_PATH_MAX + 128];
    ddad_error err = {0};
    ddad_score_path(run, path, sizeof path);
    ddad_tmp_path(path, tmp, sizeof tmp);
    hid_t f = ddad_h5c_create(tmp, &err);   /* with checksums: the eval stage refuses a damaged file */
    if (f < 0) score_write_failed(path, "cannot create its temporary file", NULL);
    hsize_t d1[1] = {(hsize_t)n}, d3[3] = {(hsize_t)n, (hsize_t)run->cfg.img_size, (hsize_t)run->cfg.img_size};
    int rc = ddad_h5_attr_str(f, "key", run->members_key, &err) ||
             ddad_h5c_write_strings(f, "names", names, (size_t)n, DDAD_NAME_MAX, &err) ||
             ddad_h5c_write(f, "labels", H5T_NATIVE_INT8, 1, d1, labels, &err);
    for (int k = 0; k < 3 && !rc; k++) {
        char nm[64];
        snprintf(nm, sizeof nm, "map_%s", MAP_NAMES[k]);
        rc = ddad_h5c_write(f, nm, H5T_NATIVE_FLOAT, 3, d3, maps[k], &err) ||
             ddad_h5c_write(f, MAP_NAMES[k], H5T_NATIVE_FLOAT, 1, d1, scores[k], &err);
    }
    /* the data may sit in HDF5's caches until the close: a failed close is a failed write */
    if (H5Fclose(f) < 0 && !rc) rc = ddad_error_set(&err, DDAD_EXIT_RUNTIME, "HDF5: closing the file failed");
    if (rc) score_write_failed(path, err.msg, NULL);
    if (ddad_commit_file(tmp, path) != 0) score_write_failed(path, "cannot rename its temporary file: ", strerror(errno));
}

void ddad_stage_score(ddad_run *run)
{
    const ddad_config *c = &run->cfg;
    ddad_dist *d = &run->dist;
    const int C = ddad_member_channels(c), M = d->n_members;
    size_t hw = (size_t)c->img_size * (size_t)c->img_size;

    double t0 = ddad_now();
    ddad_dataset *ds = ddad_run_open_dataset(run);
    int64_t n = ddad_dataset_get_info(ds)->count[DDAD_SPLIT_TEST];
    if (n < 1) ddad_fatal(DDAD_EXIT_USAGE, "%s has no test images", c->file);
    uint8_t *img = ddad_malloc_aligned((size_t)n * hw, "test images");
    int8_t *labels = ddad_malloc((size_t)n, "test labels");
    char *names = d->rank == 0 ? ddad_calloc((size_t)n, DDAD_NAME_MAX, "test names") : NULL;
    ddad_error err = {0};
    if (ddad_dataset_read_images(ds, DDAD_SPLIT_TEST, 0, n, img, &err) ||
        ddad_dataset_read_labels(ds, DDAD_SPLIT_TEST, 0, n, labels, &err) ||
        (names && ddad_dataset_read_names(ds, DDAD_SPLIT_TEST, 0, n, names, &err)))
        ddad_fatal(err.code ? err.code : DDAD_EXIT_RUNTIME, "reading the test set of %s: %s", c->file, err.msg);
    ddad_dataset_close(ds);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;

    ddad_ae **nets = ddad_calloc((size_t)(d->n_local ? d->n_local : 1), sizeof *nets, "member networks");
    for (int i = 0; i < d->n_local; i++) nets[i] = ddad_member_load_eval(run, d->local[i], SCORE_CHUNK);
    float *maps[3] = {NULL, NULL, NULL}, *scores[3] = {NULL, NULL, NULL};
    if (d->rank == 0)
        for (int k = 0; k < 3; k++) {
            maps[k] = ddad_malloc_aligned(sizeof(float) * (size_t)n * hw, "score maps");
            scores[k] = ddad_malloc(sizeof(float) * (size_t)n, "image scores");
        }

    int chunk = SCORE_CHUNK;
    float *x = NULL, *local = NULL, *all = NULL;
#ifdef DDAD_WITH_CUDA
    ddad_score_gpu *gpu = NULL;
    if (run->gpu >= 0) {
        ddad_score_gpu_spec spec = {.local = nets, .n_local = d->n_local, .n_members = M, .K = d->K, .channels = C,
                                    .images = img, .n = n, .img_size = c->img_size, .world = d->world,
                                    .tf32 = !strcmp(c->precision, "tf32")};
        gpu = ddad_score_gpu_create(&spec);
        chunk = ddad_score_gpu_chunk_size(gpu);
    } else
#endif
    {
        size_t per_member = (size_t)SCORE_CHUNK * (size_t)C * hw;
        x = ddad_malloc_aligned(sizeof(float) * (size_t)SCORE_CHUNK * hw, "test chunk");
        local = ddad_malloc_aligned(sizeof(float) * per_member * (size_t)(d->n_local ? d->n_local : 1), "member outputs");
        all = ddad_malloc_aligned(sizeof(float) * per_member * (size_t)M, "all member outputs");
    }

    for (int64_t s = 0; s < n; s += chunk) {
        int nb = (int)(n - s < chunk ? n - s : chunk);
        size_t o = (size_t)s * hw;
        double t1 = ddad_now();
#ifdef DDAD_WITH_CUDA
        if (gpu) {
            if (d->rank == 0)
                ddad_score_gpu_chunk(gpu, s, nb, maps[0] + o, maps[1] + o, maps[2] + o);
            else
                ddad_score_gpu_chunk(gpu, s, nb, NULL, NULL, NULL);
        } else
#endif
        {
            size_t count = (size_t)nb * (size_t)C * hw;
            ddad_images_to_float(img + o, (size_t)nb * hw, x);
            for (int i = 0; i < d->n_local; i++) ddad_ae_forward(nets[i], x, nb, 0, local + (size_t)i * count);
            ddad_reduce_members(d, local, count, all);
            if (d->rank == 0) ddad_discrepancy_maps(all, d->K, C, nb, hw, x, maps[0] + o, maps[1] + o, maps[2] + o);
        }
        if (d->rank == 0)
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < nb; i++) scores[k][s + i] = ddad_map_mean(maps[k] + o + (size_t)i * hw, hw);
        run->phase_time[DDAD_PHASE_REDUCE] += ddad_now() - t1;
    }
#ifdef DDAD_WITH_CUDA
    ddad_score_gpu_free(gpu);
#endif
    if (d->rank == 0) {
        double t1 = ddad_now();
        write_scores(run, n, names, labels, maps, scores);
        run->phase_time[DDAD_PHASE_IO] += ddad_now() - t1;
        log_info("score: %lld test images scored with %d members%s", (long long)n, M,
                 run->gpu >= 0 ? " on the GPU" : "");
    }
    for (int i = 0; i < d->n_local; i++) ddad_ae_free(nets[i]);
    for (int k = 0; k < 3; k++) {
        free(maps[k]);
        free(scores[k]);
    }
    free(nets);
    free(x);
    free(local);
    free(all);
    free(img);
    free(labels);
    free(names);
    ddad_stage_mark_done(run, DDAD_STAGE_SCORE);
}

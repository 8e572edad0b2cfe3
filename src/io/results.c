#include "io/results.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "io/h5util.h"
#include "model/checkpoint.h"

hid_t ddad_results_create(const char *path, ddad_error *err)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot create %s (disk full or no permission?)", path);
        return -1;
    }
    if (ddad_h5_attr_str(f, "kind", "results", err) != 0) {
        H5Fclose(f);
        return -1;
    }
    return f;
}

int ddad_results_write_run(hid_t f, const char *config_yaml, const char *git_rev, int n_ranks, const char *devices,
                           ddad_error *err)
{
    if (ddad_h5_write_text(f, "config", config_yaml, err) || ddad_h5_attr_str(f, "git_rev", git_rev, err) ||
        ddad_h5_attr_i64(f, "n_ranks", n_ranks, err) || ddad_h5_attr_str(f, "devices", devices, err))
        return -1;
    return 0;
}

int ddad_results_write_timings(hid_t f, const char *stage, const double *t, int n_ranks, int n_phases,
                               const char *phases, ddad_error *err)
{
    hid_t g = ddad_h5_group(f, "timings", err);
    if (g < 0) return -1;
    hsize_t dims[2] = {(hsize_t)n_ranks, (hsize_t)n_phases};
    int rc = ddad_h5_write(g, stage, H5T_NATIVE_DOUBLE, 2, dims, t, err);
    if (!rc) {
        hid_t ds = H5Dopen2(g, stage, H5P_DEFAULT);
        rc = ds < 0 ? -1 : ddad_h5_attr_str(ds, "phases", phases, err);
        if (ds >= 0) H5Dclose(ds);
    }
    H5Gclose(g);
    return rc;
}

int ddad_results_write_gpu_peak(hid_t f, const char *stage, const int64_t *bytes, int n_ranks, ddad_error *err)
{
    hid_t g = ddad_h5_group(f, "gpu_memory", err);
    if (g < 0) return -1;
    hsize_t dims[1] = {(hsize_t)n_ranks};
    int rc = ddad_h5_write(g, stage, H5T_NATIVE_INT64, 1, dims, bytes, err);
    H5Gclose(g);
    return rc;
}

int ddad_results_write_network(hid_t f, const char *group, const ddad_paramset *ps, const char *loss_name,
                               const double *loss, int64_t n_loss, ddad_error *err)
{
    hid_t g = ddad_h5_group(f, group, err);
    if (g < 0) return -1;
    int rc = ddad_paramset_save(g, ps, 0, err);
    H5Gclose(g);
    if (rc) return -1;
    hid_t lg = ddad_h5_group(f, "losses", err);
    if (lg < 0) return -1;
    hsize_t n = (hsize_t)n_loss;
    char p[128];
    snprintf(p, sizeof p, "%s", loss_name);
    /* loss_name may contain a '/', e.g. members/ndm_0: create the parent group. */
    char *slash = strrchr(p, '/');
    hid_t parent = lg;
    const char *leaf = p;
    if (slash) {
        *slash = '\0';
        parent = ddad_h5_group(lg, p, err);
        leaf = slash + 1;
    }
    rc = parent < 0 ? -1 : ddad_h5_write(parent, leaf, H5T_NATIVE_DOUBLE, 1, &n, loss, err);
    if (parent >= 0 && parent != lg) H5Gclose(parent);
    H5Gclose(lg);
    return rc;
}

int ddad_results_write_scores(hid_t f, int64_t n, int img_size, const char *names, size_t name_slot,
                              const int8_t *labels, const ddad_score_entry *e, int ne, int save_maps, ddad_error *err)
{
    hid_t g = ddad_h5_group(f, "scores/test", err);
    if (g < 0) return -1;
    hsize_t d1[1] = {(hsize_t)n};
    int rc = ddad_h5_write_strings(g, "names", names, (size_t)n, name_slot, err) ||
             ddad_h5_write(g, "labels", H5T_NATIVE_INT8, 1, d1, labels, err);
    for (int i = 0; i < ne && !rc; i++) rc = ddad_h5_write(g, e[i].name, H5T_NATIVE_FLOAT, 1, d1, e[i].scores, err);
    H5Gclose(g);
    if (rc || !save_maps) return rc ? -1 : 0;
    g = ddad_h5_group(f, "maps/test", err);
    if (g < 0) return -1;
    /* Only the datasets: every rank writes its own rows (ddad_results_write_map_rows).
     * Space is allocated now, so that the ranks' writes need no collective allocation. */
    hsize_t d3[3] = {(hsize_t)n, (hsize_t)img_size, (hsize_t)img_size};
    hid_t sp = H5Screate_simple(3, d3, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (sp < 0 || dcpl < 0 || H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0) rc = -1;
    for (int i = 0; i < ne && !rc; i++) {
        hid_t ds = H5Dcreate2(g, e[i].name, H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (ds < 0) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create maps/test/%s", e[i].name);
        else H5Dclose(ds);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    H5Gclose(g);
    return rc ? -1 : 0;
}

int ddad_results_write_map_rows(hid_t f, const char *name, int64_t start, int64_t count, int img_size,
                                const float *rows, hid_t dxpl, ddad_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "maps/test/%s", name);
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    if (ds < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot open %s", path);
    hid_t fs = H5Dget_space(ds);
    hsize_t off[3] = {(hsize_t)start, 0, 0}, cnt[3] = {(hsize_t)count, (hsize_t)img_size, (hsize_t)img_size};
    hid_t ms = H5Screate_simple(3, cnt, NULL);
    herr_t rc = fs < 0 || ms < 0 ? -1 : 0;
    /* a rank with no rows still takes part in a collective write, with empty selections */
    if (rc >= 0) rc = count > 0 ? H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) : H5Sselect_none(fs);
    if (rc >= 0 && count == 0) rc = H5Sselect_none(ms);
    if (rc >= 0) rc = H5Dwrite(ds, H5T_NATIVE_FLOAT, ms, fs, dxpl, rows);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (H5Dclose(ds) < 0) rc = -1;
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write rows %lld..%lld of %s", (long long)start,
                                   (long long)(start + count), path)
                  : 0;
}

int ddad_results_write_metrics(hid_t f, const ddad_score_entry *e, int ne, ddad_error *err)
{
    hid_t g = ddad_h5_group(f, "metrics", err);
    if (g < 0) return -1;
    int rc = 0;
    for (int i = 0; i < ne && !rc; i++) {
        hid_t s = ddad_h5_group(g, e[i].name, err);
        if (s < 0) {
            rc = -1;
            break;
        }
        rc = ddad_h5_attr_f64(s, "auc", e[i].auc, err) || ddad_h5_attr_f64(s, "ap", e[i].ap, err) ||
             ddad_h5_attr_f64(s, "chi2", e[i].chi2, err);
        if (!rc && !isnan(e[i].pixel_auroc))
            rc = ddad_h5_attr_f64(s, "pixel_auroc", e[i].pixel_auroc, err) ||
                 ddad_h5_attr_f64(s, "best_dice", e[i].best_dice, err);
        H5Gclose(s);
    }
    H5Gclose(g);
    return rc ? -1 : 0;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int ddad_results_write_json(const char *path, const ddad_score_entry *e, int ne, ddad_error *err)
{
    json_t *root = json_object();
    for (int i = 0; i < ne; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "auc", num(e[i].auc));
        json_object_set_new(o, "ap", num(e[i].ap));
        json_object_set_new(o, "chi2", num(e[i].chi2));
        if (!isnan(e[i].pixel_auroc)) {
            json_object_set_new(o, "pixel_auroc", num(e[i].pixel_auroc));
            json_object_set_new(o, "best_dice", num(e[i].best_dice));
        }
        json_object_set_new(root, e[i].name, o);
    }
    char tmp[4096];
    ddad_tmp_path(path, tmp, sizeof tmp);
    errno = 0;
    /* json_dump_file checks fclose, so a full disk is reported */
    int rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc == 0 && ddad_commit_file(tmp, path) == 0) return 0;
    const int saved = errno;
    ddad_error_set(err, DDAD_EXIT_RUNTIME, "%s %s: %s", rc ? "cannot write" : "cannot rename to it", tmp,
                   saved ? strerror(saved) : "write error");
    remove(tmp);
    ddad_tmpfile_unregister(tmp);
    return -1;
}

void ddad_results_print_table(const ddad_score_entry *e, int ne, FILE *out)
{
    int pix = 0;
    for (int i = 0; i < ne; i++) pix |= !isnan(e[i].pixel_auroc);
    fprintf(out, "\n  %-8s %8s %8s %8s", "score", "AUC", "AP", "chi2");
    if (pix) fprintf(out, " %10s %9s", "pixel AUC", "best Dice");
    fprintf(out, "\n  %-8s %8s %8s %8s", "--------", "------", "------", "------");
    if (pix) fprintf(out, " %10s %9s", "---------", "---------");
    fputc('\n', out);
    for (int i = 0; i < ne; i++) {
        fprintf(out, "  %-8s %8.4f %8.4f %8.2f", e[i].name, e[i].auc, e[i].ap, e[i].chi2);
        if (pix) fprintf(out, " %10.4f %9.4f", e[i].pixel_auroc, e[i].best_dice);
        fputc('\n', out);
    }
    fputc('\n', out);
    fflush(out);
}

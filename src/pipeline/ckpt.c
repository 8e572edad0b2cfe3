#include "pipeline/ckpt.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/checkpoint.h"
#include "io/h5util.h"
#include "pipeline/run.h"

void ddad_train_state_init(ddad_train_state *st, int64_t epochs)
{
    memset(st, 0, sizeof *st);
    st->cap = epochs > 0 ? epochs : 1;
    st->loss = ddad_calloc((size_t)st->cap, sizeof(double), "loss history");
}

void ddad_train_state_free(ddad_train_state *st)
{
    free(st->loss);
    st->loss = NULL;
}

int ddad_ckpt_save(const char *path, const char *kind, const char *key, const ddad_paramset *ps,
                   const ddad_train_state *st, ddad_error *err)
{
    char tmp[4096];
    ddad_tmp_path(path, tmp, sizeof tmp);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot create checkpoint %s (disk full or no permission?)", tmp);
    int rc = 0;
    hid_t g = -1;
    if (ddad_h5_attr_str(f, "kind", kind, err) || ddad_h5_attr_str(f, "key", key, err) ||
        ddad_h5_attr_i64(f, "epoch", st->epoch, err) || ddad_h5_attr_i64(f, "batch", st->batch, err) ||
        ddad_h5_attr_f64(f, "loss_partial", st->loss_partial, err))
        rc = -1;
    if (!rc) {
        hsize_t n = (hsize_t)(st->epoch < st->cap ? st->epoch : st->cap);
        rc = ddad_h5_write(f, "loss", H5T_NATIVE_DOUBLE, 1, &n, st->loss, err);
    }
    if (!rc) {
        g = H5Gcreate2(f, "net", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create group /net in %s", tmp);
        else rc = ddad_paramset_save(g, ps, ps->adam_m != NULL, err);
        if (g >= 0) H5Gclose(g);
    }
    if (H5Fclose(f) < 0 && !rc) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: closing %s failed", tmp);
    if (rc) {
        remove(tmp);
        ddad_tmpfile_unregister(tmp);
        return -1;
    }
    if (ddad_commit_file(tmp, path) != 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot rename %s to %s", tmp, path);
    return 0;
}

void ddad_key_diff(const char *want, const char *have, char *buf, size_t n)
{
    /* Walk both keys token by token (tokens are "name=value"). */
    const char *a = want, *b = have;
    while (*a || *b) {
        size_t la = strcspn(a, " "), lb = strcspn(b, " ");
        if (la != lb || strncmp(a, b, la) != 0) {
            snprintf(buf, n, "this run has %.*s, the checkpoint has %.*s", (int)la, a, (int)lb, b);
            return;
        }
        a += la;
        b += lb;
        while (*a == ' ') a++;
        while (*b == ' ') b++;
    }
    snprintf(buf, n, "(no difference)");
}

int ddad_ckpt_load(const char *path, const char *key, ddad_paramset *ps, int with_optimizer, ddad_train_state *st,
                   ddad_error *err)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot open checkpoint %s (not an HDF5 file?)", path);
    int rc = 0;
    char have[4096];
    if (ddad_h5_read_attr_str(f, "key", have, sizeof have, err)) {
        rc = -1;
    } else if (strcmp(have, key) != 0) {
        char diff[512];
        ddad_key_diff(key, have, diff, sizeof diff);
        rc = ddad_error_set(err, DDAD_EXIT_USAGE,
                            "checkpoint %s was written for another configuration: %s. Use another Exp.out_dir, "
                            "or run without --resume to start afresh",
                            path, diff);
    }
    if (!rc && st) {
        if (ddad_h5_read_attr_i64(f, "epoch", &st->epoch, err) || ddad_h5_read_attr_i64(f, "batch", &st->batch, err) ||
            ddad_h5_read_attr_f64(f, "loss_partial", &st->loss_partial, err))
            rc = -1;
        else if (st->epoch < 0 || st->batch < 0)
            rc = ddad_error_set(err, DDAD_EXIT_USAGE, "checkpoint %s has epoch %lld, batch %lld: negative positions "
                                "(damaged file); run without --resume to start afresh", path, (long long)st->epoch,
                                (long long)st->batch);
        else if (st->epoch > st->cap)
            rc = ddad_error_set(err, DDAD_EXIT_USAGE, "checkpoint %s has %lld epochs, more than this run's %lld", path,
                                (long long)st->epoch, (long long)st->cap);
        else
            rc = ddad_h5_read(f, "loss", H5T_NATIVE_DOUBLE, (size_t)st->epoch, st->loss, err);
    }
    if (!rc) {
        hid_t g = H5Gopen2(f, "net", H5P_DEFAULT);
        if (g < 0) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint %s has no /net group", path);
        else {
            rc = ddad_paramset_load(g, ps, with_optimizer, err);
            H5Gclose(g);
        }
    }
    H5Fclose(f);
    if (rc && err && !strstr(err->msg, path)) {
        char prefix[DDAD_PATH_MAX + 8];
        snprintf(prefix, sizeof prefix, "%s: ", path);
        ddad_error_prefix(err, prefix);
    }
    return rc;
}

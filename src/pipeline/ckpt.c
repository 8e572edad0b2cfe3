#include "pipeline/ckpt.h"

#include <errno.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/free_space.h"
#include "core/util.h"
#include "model/checkpoint.h"
#include "io/h5check.h"
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

/* The loss history: n doubles, read with HDF5's reason when the data is damaged. */
static int read_loss(hid_t f, size_t n, double *loss, ddad_error *err)
{
    char why[256];
    hid_t d = H5Dopen2(f, "loss", H5P_DEFAULT);
    if (d < 0) {
        ddad_h5_reason(why, sizeof why);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "the file is damaged: HDF5 cannot open dataset loss (%s)", why);
    }
    hid_t sp = H5Dget_space(d);
    hssize_t have = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    herr_t rc = have == (hssize_t)n && n ? H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, loss) : 0;
    if (rc < 0) ddad_h5_reason(why, sizeof why);
    H5Dclose(d);
    if (have != (hssize_t)n)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "dataset loss has %lld values for %zu epochs", (long long)have, n);
    if (rc < 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "the file is damaged: HDF5 cannot read dataset loss (%s)", why);
    return 0;
}

int ddad_ckpt_save(const char *path, const char *kind, const char *key, const ddad_paramset *ps,
                   const ddad_train_state *st, ddad_error *err)
{
    char tmp[4096];
    ddad_tmp_path(path, tmp, sizeof tmp);
    hid_t f = ddad_h5c_create(tmp, err);   /* with checksums: --resume refuses a damaged file */
    if (f < 0) {
        ddad_tmpfile_unregister(tmp);
        return ddad_error_write_failed(err, path, "cannot create its temporary file", DDAD_RUN_WRITE_ADVICE);
    }
    int rc = 0;
    hid_t g = -1;
    if (ddad_h5_attr_str(f, "kind", kind, err) || ddad_h5_attr_str(f, "key", key, err) ||
        ddad_h5_attr_i64(f, "epoch", st->epoch, err) || ddad_h5_attr_i64(f, "batch", st->batch, err) ||
        ddad_h5_attr_f64(f, "loss_partial", st->loss_partial, err))
        rc = -1;
    if (!rc) {
        hsize_t n = (hsize_t)(st->epoch < st->cap ? st->epoch : st->cap);
        rc = ddad_h5c_write(f, "loss", H5T_NATIVE_DOUBLE, 1, &n, st->loss, err);
    }
    if (!rc) {
        g = H5Gcreate2(f, "net", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create group /net in %s", tmp);
        else rc = ddad_paramset_save(g, ps, ps->adam_m != NULL, err);
        if (g >= 0 && H5Gclose(g) < 0 && !rc) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: closing /net failed");
    }
    /* After ENOSPC the data may sit in HDF5's caches until now: a failed close is a failed write. */
    if (H5Fclose(f) < 0 && !rc) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: closing the file failed");
    char why[512] = "";
    if (!rc && ddad_commit_file(tmp, path) == 0) return 0;
    if (!rc) snprintf(why, sizeof why, "cannot rename its temporary file: %s", strerror(errno));
    /* the message tells the free space with the temporary file still there */
    ddad_error_write_failed(err, path, rc ? (err ? err->msg : NULL) : why, DDAD_RUN_WRITE_ADVICE);
    remove(tmp);   /* the previous checkpoint at path, if any, is untouched */
    ddad_tmpfile_unregister(tmp);
    return -1;
}

/* The next "name=value" token of a key: name [*a, *a + *nl), value [*v, *v + *vl); 0 at the end. */
static int next_token(const char **p, const char **a, size_t *nl, const char **v, size_t *vl)
{
    while (**p == ' ') (*p)++;
    if (!**p) return 0;
    size_t len = strcspn(*p, " ");
    const char *eq = memchr(*p, '=', len);
    *a = *p;
    *nl = eq ? (size_t)(eq - *p) : len;
    *v = eq ? eq + 1 : *p + len;
    *vl = eq ? len - *nl - 1 : 0;
    *p += len;
    return 1;
}

/* Finds the token named [a, a + nl) in key; 1 with its value, or 0. */
static int find_token(const char *key, const char *a, size_t nl, const char **v, size_t *vl)
{
    const char *p = key, *b;
    size_t bl;
    while (next_token(&p, &b, &bl, v, vl))
        if (bl == nl && !strncmp(a, b, nl)) return 1;
    return 0;
}

static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t n, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, n - used, fmt, ap);
    va_end(ap);
}

void ddad_key_diff(const char *want, const char *have, const char *other, char *buf, size_t n)
{
    const char *p = want, *a, *v, *hv;
    size_t nl, vl, hl;
    int digest = 0;
    buf[0] = '\0';
    while (next_token(&p, &a, &nl, &v, &vl)) {
        int found = find_token(have, a, nl, &hv, &hl);
        if (found && hl == vl && !strncmp(v, hv, vl)) continue;
        digest |= nl == 11 && !strncmp(a, "Data.digest", nl);
        if (found)
            append(buf, n, "%sthis run has %.*s=%.*s, %s %.*s=%.*s", buf[0] ? "; " : "", (int)nl, a, (int)vl, v, other,
                   (int)nl, a, (int)hl, hv);
        else
            append(buf, n, "%sthis run has %.*s=%.*s, %s no %.*s", buf[0] ? "; " : "", (int)nl, a, (int)vl, v, other,
                   (int)nl, a);
    }
    for (p = have; next_token(&p, &a, &nl, &v, &vl);)
        if (!find_token(want, a, nl, &hv, &hl))
            append(buf, n, "%s%s %.*s=%.*s, this run has no %.*s", buf[0] ? "; " : "", other, (int)nl, a, (int)vl, v,
                   (int)nl, a);
    if (digest)
        append(buf, n, " (Data.digest is the content digest of the dataset in Data.file: this one holds other "
                       "images, labels or masks than the one that was trained on)");
    if (!buf[0]) snprintf(buf, n, "(the keys differ only in their order)");
}

int ddad_ckpt_load(const char *path, const char *key, ddad_paramset *ps, int with_optimizer, ddad_train_state *st,
                   const char *redo, ddad_error *err)
{
    char why[256];
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        ddad_h5_reason(why, sizeof why);
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "checkpoint %s is damaged or truncated: HDF5 cannot open it (%s); it was not used. %s",
                              path, why, redo);
    }
    int rc = 0, other_setup = 0;
    char *have = ddad_malloc((2 * DDAD_KEY_MAX), "checkpoint key");
    if (ddad_h5c_attr_exists(f, "key", err) < 0 || ddad_h5_read_attr_str(f, "key", have, (2 * DDAD_KEY_MAX), err)) {
        rc = -1;
    } else if (strcmp(have, key) != 0) {
        char diff[1536];
        ddad_key_diff(key, have, "the checkpoint has", diff, sizeof diff);
        other_setup = 1;
        rc = ddad_error_set(err, DDAD_EXIT_USAGE,
                            "checkpoint %s was written for another setup: %s. Use another Exp.out_dir, or run "
                            "without --resume to start afresh",
                            path, diff);
    }
    free(have);
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
            rc = read_loss(f, (size_t)st->epoch, st->loss, err);
    }
    if (!rc) {
        hid_t g = H5Gopen2(f, "net", H5P_DEFAULT);
        if (g < 0) {
            ddad_h5_reason(why, sizeof why);
            rc = ddad_error_set(err, DDAD_EXIT_USAGE, "the file is damaged: HDF5 cannot open group /net (%s)", why);
        } else {
            rc = ddad_paramset_load(g, ps, with_optimizer, err);
            H5Gclose(g);
        }
    }
    H5Fclose(f);
    if (rc && err && !other_setup) {
        char prefix[DDAD_PATH_MAX + 80];
        snprintf(prefix, sizeof prefix, "checkpoint %s: ", path);
        if (!strstr(err->msg, path)) ddad_error_prefix(err, prefix);
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "; it was not used. %s", redo);
    }
    return rc;
}

int ddad_run_ckpt_load(const ddad_run *run, int stage, const char *path, ddad_paramset *ps, int with_optimizer,
                       ddad_train_state *st, ddad_error *err)
{
    char redo[3 * DDAD_PATH_MAX];
    ddad_redo_hint(run, stage, path, redo, sizeof redo);
    const char *key = stage == DDAD_STAGE_REFINE ? run->refine_key : run->members_key;
    return ddad_ckpt_load(path, key, ps, with_optimizer, st, redo, err);
}

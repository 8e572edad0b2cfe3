#include "model/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5check.h"

static void group_name(hid_t g, char *buf, size_t n)
{
    if (H5Iget_name(g, buf, n) < 0) snprintf(buf, n, "(unnamed group)");
}

/* Writes one dataset, replacing an existing one of the same name; stored with checksums
 * (io/h5check.h), so that a damaged file is refused when it is read. */
static int write_ds(hid_t g, const char *name, hid_t mem_type, hid_t file_type, int ndim, const hsize_t *dims,
                    const void *data, ddad_error *err)
{
    if (H5Lexists(g, name, H5P_DEFAULT) > 0 && H5Ldelete(g, name, H5P_DEFAULT) < 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: cannot replace dataset %s", name);
    hid_t sp = ndim > 0 ? H5Screate_simple(ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: H5Screate failed for %s", name);
    hid_t dcpl = ddad_h5c_dcpl(ndim, dims, H5Tget_size(file_type));
    hid_t ds = dcpl >= 0 ? H5Dcreate2(g, name, file_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    int rc = 0;
    if (ds < 0 || H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: writing dataset %s failed", name);
    if (ds >= 0 && H5Dclose(ds) < 0 && !rc)   /* a close flushes what the write left in the cache */
        rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: closing dataset %s failed", name);
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Sclose(sp);
    return rc;
}

static int write_tensor(hid_t g, const ddad_tensor_desc *d, const float *base, ddad_error *err)
{
    hsize_t dims[4];
    for (int i = 0; i < d->ndim; i++) dims[i] = (hsize_t)d->shape[i];
    return write_ds(g, d->name, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, d->ndim, dims, base + d->offset, err);
}

/* "encoder.1.running_mean" -> "encoder.1.num_batches_tracked"; 0 if not a running_mean. */
static int nbt_name(const char *buffer_name, char *out, size_t n)
{
    const char *suffix = ".running_mean";
    size_t len = strlen(buffer_name), sl = strlen(suffix);
    if (len <= sl || strcmp(buffer_name + len - sl, suffix) != 0) return 0;
    snprintf(out, n, "%.*s.num_batches_tracked", (int)(len - sl), buffer_name);
    return 1;
}

int ddad_paramset_save(hid_t group, const ddad_paramset *ps, int with_optimizer, ddad_error *err)
{
    for (int i = 0; i < ps->n_param_desc; i++)
        if (write_tensor(group, &ps->param_desc[i], ps->params, err)) return -1;
    for (int i = 0; i < ps->n_buffer_desc; i++) {
        if (write_tensor(group, &ps->buffer_desc[i], ps->buffers, err)) return -1;
        char name[DDAD_TENSOR_NAME_MAX + 32];
        if (nbt_name(ps->buffer_desc[i].name, name, sizeof name) &&
            write_ds(group, name, H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, &ps->num_batches_tracked, err))
            return -1;
    }
    if (!with_optimizer) return 0;
    if (!ps->adam_m)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: optimizer state requested from an inference-only network");
    hid_t og = H5Lexists(group, "optimizer", H5P_DEFAULT) > 0
                   ? H5Gopen2(group, "optimizer", H5P_DEFAULT)
                   : H5Gcreate2(group, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (og < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: cannot create group optimizer");
    hsize_t n = ps->n_params;
    int rc = 0;
    if (write_ds(og, "exp_avg", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 1, &n, ps->adam_m, err) ||
        write_ds(og, "exp_avg_sq", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 1, &n, ps->adam_v, err))
        rc = -1;
    if (rc == 0) {
        if (H5Aexists(og, "step") > 0) H5Adelete(og, "step");
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t at = H5Acreate2(og, "step", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (at < 0 || H5Awrite(at, H5T_NATIVE_INT64, &ps->step) < 0)
            rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: writing attribute optimizer/step failed");
        if (at >= 0 && H5Aclose(at) < 0 && !rc)
            rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: closing attribute optimizer/step failed");
        H5Sclose(sp);
    }
    if (H5Gclose(og) < 0 && !rc) rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: closing group optimizer failed");
    return rc;
}

/* What went wrong while loading: names or shapes that do not match the network (`bad`),
 * and objects HDF5 could not read, with its reason (`damaged`: checksum failures). */
typedef struct {
    char bad[1536];
    char damaged[768];
} load_report;

static void note(char *buf, size_t n, const char *fmt, const char *name, const char *detail)
{
    size_t used = strlen(buf);
    if (used + 2 >= n) return;
    snprintf(buf + used, n - used, "%s", used ? ", " : "");
    used = strlen(buf);
    snprintf(buf + used, n - used, fmt, name, detail);
}

/* Reads a dataset after checking its shape; notes a mismatch or a failed read in r. */
static int read_ds(hid_t g, const char *name, hid_t mem_type, int ndim, const hsize_t *dims, void *data,
                   load_report *r)
{
    char why[256];
    htri_t exists = H5Lexists(g, name, H5P_DEFAULT);
    if (exists < 0) {
        ddad_h5_reason(why, sizeof why);
        note(r->damaged, sizeof r->damaged, "%s (%s)", name, why);
        return -1;
    }
    if (exists == 0) {
        note(r->bad, sizeof r->bad, "%s%s", name, " (missing)");
        return -1;
    }
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) {
        ddad_h5_reason(why, sizeof why);
        note(r->damaged, sizeof r->damaged, "%s (%s)", name, why);
        return -1;
    }
    hid_t sp = H5Dget_space(ds);
    int fnd = H5Sget_simple_extent_ndims(sp);
    hsize_t fd[8] = {0};
    if (fnd >= 0 && fnd <= 8) H5Sget_simple_extent_dims(sp, fd, NULL);
    H5Sclose(sp);
    int ok = fnd == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = fd[i] == dims[i];
    if (!ok) {
        char want[96] = "", got[96] = "", detail[256];
        for (int i = 0; i < ndim; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu", i ? "," : "", (unsigned long long)dims[i]);
        for (int i = 0; i < fnd && i < 8; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", i ? "," : "", (unsigned long long)fd[i]);
        snprintf(detail, sizeof detail, " (file shape (%s), network expects (%s))", got, want);
        note(r->bad, sizeof r->bad, "%s%s", name, detail);
        H5Dclose(ds);
        return -1;
    }
    herr_t rc = H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (rc < 0) ddad_h5_reason(why, sizeof why);   /* before H5Dclose clears the stack */
    H5Dclose(ds);
    if (rc < 0) {
        note(r->damaged, sizeof r->damaged, "%s (%s)", name, why);
        return -1;
    }
    return 0;
}

static void read_tensor(hid_t g, const ddad_tensor_desc *d, float *base, load_report *r)
{
    hsize_t dims[4];
    for (int i = 0; i < d->ndim; i++) dims[i] = (hsize_t)d->shape[i];
    read_ds(g, d->name, H5T_NATIVE_FLOAT, d->ndim, dims, base + d->offset, r);
}

int ddad_paramset_load(hid_t group, ddad_paramset *ps, int with_optimizer, ddad_error *err)
{
    load_report *r = calloc(1, sizeof *r);
    if (!r) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: out of memory");
    for (int i = 0; i < ps->n_param_desc; i++) read_tensor(group, &ps->param_desc[i], ps->params, r);
    int have_nbt = 0;
    for (int i = 0; i < ps->n_buffer_desc; i++) {
        read_tensor(group, &ps->buffer_desc[i], ps->buffers, r);
        char name[DDAD_TENSOR_NAME_MAX + 32];
        int64_t nbt = 0;
        if (nbt_name(ps->buffer_desc[i].name, name, sizeof name) &&
            read_ds(group, name, H5T_NATIVE_INT64, 0, NULL, &nbt, r) == 0 && !have_nbt) {
            ps->num_batches_tracked = nbt;
            have_nbt = 1;
        }
    }
    if (with_optimizer) {
        if (!ps->adam_m) {
            free(r);
            return ddad_error_set(err, DDAD_EXIT_RUNTIME, "checkpoint: optimizer state requested for an inference-only network");
        }
        if (H5Lexists(group, "optimizer", H5P_DEFAULT) <= 0) {
            note(r->bad, sizeof r->bad, "%s%s", "optimizer", " (missing group)");
        } else {
            hid_t og = H5Gopen2(group, "optimizer", H5P_DEFAULT);
            hsize_t n = ps->n_params;
            read_ds(group, "optimizer/exp_avg", H5T_NATIVE_FLOAT, 1, &n, ps->adam_m, r);
            read_ds(group, "optimizer/exp_avg_sq", H5T_NATIVE_FLOAT, 1, &n, ps->adam_v, r);
            int64_t step = 0;
            char why[256];
            htri_t has = og >= 0 ? H5Aexists(og, "step") : -1;
            hid_t at = has > 0 ? H5Aopen(og, "step", H5P_DEFAULT) : -1;
            if (has == 0) {
                note(r->bad, sizeof r->bad, "%s%s", "optimizer/step", " (missing attribute)");
            } else if (at < 0 || H5Aread(at, H5T_NATIVE_INT64, &step) < 0) {
                ddad_h5_reason(why, sizeof why);
                note(r->damaged, sizeof r->damaged, "%s (%s)", "optimizer/step", why);
            } else {
                ps->step = step;
            }
            if (at >= 0) H5Aclose(at);
            if (og >= 0) H5Gclose(og);
        }
    }
    char gname[256];
    group_name(group, gname, sizeof gname);
    int rc = 0;
    if (r->damaged[0])
        rc = ddad_error_set(err, DDAD_EXIT_USAGE, "the file is damaged: HDF5 cannot read %s in group %s", r->damaged,
                            gname);
    else if (r->bad[0])
        rc = ddad_error_set(err, DDAD_EXIT_USAGE,
                            "checkpoint group %s does not match the network: %s; check that the checkpoint was "
                            "written for the same model configuration (network, mp, ls, img_size, refiner input)",
                            gname, r->bad);
    free(r);
    return rc;
}

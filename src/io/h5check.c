#include "io/h5check.h"

#include <stdio.h>
#include <string.h>

#define CHUNK_BYTES ((size_t)1 << 20)

hid_t ddad_h5c_create(const char *path, ddad_error *err)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) {
        if (fapl >= 0) H5Pclose(fapl);
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot set up the file format for %s", path);
        return -1;
    }
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0) ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot create %s (disk full or no permission?)", path);
    return f;
}

hid_t ddad_h5c_dcpl(int rank, const hsize_t *dims, size_t elem_bytes)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return -1;
    if (rank == 0) {
        if (H5Pset_layout(dcpl, H5D_COMPACT) < 0) goto fail;
        return dcpl;
    }
    hsize_t chunk[H5S_MAX_RANK];
    size_t bytes = elem_bytes ? elem_bytes : 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 0) return dcpl;   /* no data: nothing to check */
        chunk[i] = dims[i];
        bytes *= (size_t)dims[i];
    }
    /* Shrink the first (item) dimension, then the next ones, until a chunk fits in 1 MiB. */
    for (int i = 0; i < rank && bytes > CHUNK_BYTES; i++)
        while (chunk[i] > 1 && bytes > CHUNK_BYTES) {
            hsize_t half = (chunk[i] + 1) / 2;
            bytes = bytes / (size_t)chunk[i] * (size_t)half;
            chunk[i] = half;
        }
    if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_fletcher32(dcpl) < 0) goto fail;
    return dcpl;
fail:
    H5Pclose(dcpl);
    return -1;
}

int ddad_h5c_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data,
                   ddad_error *err)
{
    if (rank < 0 || rank > 4) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: dataset %s of rank %d", name, rank);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    hid_t sp = rank > 0 ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t dcpl = ddad_h5c_dcpl(rank, dims, H5Tget_size(type));
    hid_t d = sp >= 0 && dcpl >= 0 ? H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    herr_t rc = d >= 0 ? (n ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0) : -1;
    if (d >= 0 && H5Dclose(d) < 0) rc = -1;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write dataset %s", name) : 0;
}

int ddad_h5c_write_strings(hid_t loc, const char *name, const char *strings, size_t count, size_t slot,
                           ddad_error *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, slot) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
        if (t >= 0) H5Tclose(t);
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot make the string type of %s", name);
    }
    hsize_t dims[1] = {count};
    int rc = ddad_h5c_write(loc, name, t, 1, dims, strings, err);
    H5Tclose(t);
    return rc;
}

int ddad_h5c_attr_exists(hid_t obj, const char *name, ddad_error *err)
{
    htri_t has = H5Aexists(obj, name);
    if (has >= 0) return has > 0;
    char why[256];
    ddad_h5_reason(why, sizeof why);
    return ddad_error_set(err, DDAD_EXIT_USAGE, "the file is damaged: HDF5 cannot read attribute %s (%s)", name, why);
}

typedef struct {
    char *buf;
    size_t n;
    int found;
} reason_walk;

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    reason_walk *w = data;
    (void)n;
    if (!w->found && e->desc && e->desc[0]) {
        snprintf(w->buf, w->n, "%s", e->desc);
        w->found = 1;
    }
    return 0;
}

void ddad_h5_reason(char *buf, size_t n)
{
    if (!n) return;
    reason_walk w = {buf, n, 0};
    buf[0] = '\0';
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &w) < 0 || !w.found) snprintf(buf, n, "no detail from HDF5");
}

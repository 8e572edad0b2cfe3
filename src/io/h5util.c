#include "io/h5util.h"

#include "io/h5attr.h"

#include <stdio.h>
#include <string.h>

static int attr_write(hid_t obj, const char *name, hid_t type, const void *v, ddad_error *err)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    if (sp < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create a dataspace for attribute %s", name);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Awrite(a, type, v) : -1;
    if (a >= 0 && H5Aclose(a) < 0) rc = -1;
    H5Sclose(sp);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write attribute %s", name) : 0;
}

/* Attributes are written and read by io/h5attr.c; these add the ddad_error message and
 * replace an attribute that exists already (checkpoints are rewritten in place). */
int ddad_h5_attr_str(hid_t obj, const char *name, const char *value, ddad_error *err)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    if (ddad_h5_attr_write_str(obj, name, value) < 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write attribute %s", name);
    return 0;
}

int ddad_h5_attr_i64(hid_t obj, const char *name, int64_t value, ddad_error *err)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    if (ddad_h5_attr_write_i64(obj, name, value) < 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write attribute %s", name);
    return 0;
}

int ddad_h5_attr_f64(hid_t obj, const char *name, double value, ddad_error *err)
{
    return attr_write(obj, name, H5T_NATIVE_DOUBLE, &value, err);
}

int ddad_h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t n, ddad_error *err)
{
    if (H5Aexists(obj, name) <= 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "attribute '%s' is missing", name);
    if (ddad_h5_attr_read_str(obj, name, buf, n) < 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot read string attribute %s", name);
    return 0;
}

static int attr_read(hid_t obj, const char *name, hid_t type, void *v, ddad_error *err)
{
    if (H5Aexists(obj, name) <= 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "attribute '%s' is missing", name);
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    hssize_t npoints = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    /* One value: H5Aread writes every element of the attribute into v. */
    herr_t rc = a >= 0 && npoints == 1 ? H5Aread(a, type, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (a >= 0 && npoints != 1)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "attribute '%s' holds %lld values, expected one (damaged file?)",
                              name, (long long)npoints);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot read attribute %s", name) : 0;
}

int ddad_h5_read_attr_i64(hid_t obj, const char *name, int64_t *value, ddad_error *err)
{
    if (H5Aexists(obj, name) <= 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "attribute '%s' is missing", name);
    if (ddad_h5_attr_read_i64(obj, name, value) < 0)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot read attribute %s", name);
    return 0;
}

int ddad_h5_read_attr_f64(hid_t obj, const char *name, double *value, ddad_error *err)
{
    return attr_read(obj, name, H5T_NATIVE_DOUBLE, value, err);
}

int ddad_h5_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data,
                  ddad_error *err)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    if (sp < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create the dataspace of %s", name);
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    herr_t rc = d >= 0 ? (n ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0) : -1;
    if (d >= 0 && H5Dclose(d) < 0) rc = -1;   /* the close flushes what the write left in the cache */
    H5Sclose(sp);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write dataset %s", name) : 0;
}

/* The file's element type must be of the memory type's class and not larger than it (or 16
 * bytes for numbers): HDF5 sizes its conversion buffers by the file type, which a damaged
 * file can make gigabytes large. */
static int check_elem_type(hid_t d, const char *name, hid_t type, ddad_error *err)
{
    hid_t ft = H5Dget_type(d);
    H5T_class_t fc = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    size_t fsize = ft >= 0 ? H5Tget_size(ft) : 0, msize = H5Tget_size(type);
    if (ft >= 0) H5Tclose(ft);
    size_t limit = msize > 16 ? msize : 16;
    if (fc != H5Tget_class(type) || fsize == 0 || fsize > limit)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "dataset '%s' has elements of another type (%zu bytes, class %d; "
                              "expected class %d): damaged file, or not written by ddad", name, fsize, (int)fc,
                              (int)H5Tget_class(type));
    return 0;
}

int ddad_h5_read(hid_t loc, const char *name, hid_t type, size_t n, void *data, ddad_error *err)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "dataset '%s' is missing", name);
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot open dataset %s", name);
    if (check_elem_type(d, name, type, err) < 0) {
        H5Dclose(d);
        return -1;
    }
    hid_t sp = H5Dget_space(d);
    hssize_t have = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    herr_t rc = -1;
    if (have == (hssize_t)n) rc = n ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0;
    H5Dclose(d);
    if (have != (hssize_t)n)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "dataset '%s' has %lld elements, expected %zu", name,
                              (long long)have, n);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot read dataset %s", name) : 0;
}

int ddad_h5_read_rows(hid_t loc, const char *name, hid_t type, int64_t start, int64_t count, size_t row_elems,
                      void *data, ddad_error *err)
{
    if (count == 0) return 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "dataset '%s' is missing or unreadable", name);
    if (check_elem_type(d, name, type, err) < 0) {
        H5Dclose(d);
        return -1;
    }
    hid_t fs = H5Dget_space(d);
    int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    herr_t rc = -1;
    if (rank >= 1 && rank <= 4) {
        hsize_t dims[4], off[4] = {0}, cnt[4];
        H5Sget_simple_extent_dims(fs, dims, NULL);
        hsize_t per_row = 1;
        for (int i = 0; i < rank; i++) cnt[i] = dims[i];
        for (int i = 1; i < rank; i++) per_row *= dims[i];
        if (per_row != (hsize_t)row_elems) {
            H5Sclose(fs);
            H5Dclose(d);
            return ddad_error_set(err, DDAD_EXIT_USAGE,
                                  "dataset '%s' has rows of %llu elements, expected %zu (written for another image "
                                  "size?)", name, (unsigned long long)per_row, row_elems);
        }
        off[0] = (hsize_t)start;
        cnt[0] = (hsize_t)count;
        if (start >= 0 && count > 0 && (hsize_t)(start + count) <= dims[0] &&
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0) {
            hid_t ms = H5Screate_simple(rank, cnt, NULL);
            rc = H5Dread(d, type, ms, fs, H5P_DEFAULT, data);
            H5Sclose(ms);
        }
    }
    if (fs >= 0) H5Sclose(fs);
    H5Dclose(d);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot read rows %lld..%lld of %s", (long long)start,
                                   (long long)(start + count), name)
                  : 0;
}

int64_t ddad_h5_rows(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t fs = H5Dget_space(d);
    hsize_t dims[8] = {0};
    int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    if (rank >= 1 && rank <= 8) H5Sget_simple_extent_dims(fs, dims, NULL);
    if (fs >= 0) H5Sclose(fs);
    H5Dclose(d);
    return rank >= 1 ? (int64_t)dims[0] : -1;
}

int ddad_h5_write_strings(hid_t loc, const char *name, const char *strings, size_t count, size_t slot,
                          ddad_error *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, slot);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hsize_t dims[1] = {count};
    int rc = ddad_h5_write(loc, name, t, 1, dims, strings, err);
    H5Tclose(t);
    return rc;
}

int ddad_h5_read_strings(hid_t loc, const char *name, char *strings, size_t count, size_t slot, ddad_error *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, slot);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    int rc = ddad_h5_read(loc, name, t, count, strings, err);
    H5Tclose(t);
    return rc;
}

int ddad_h5_write_text(hid_t loc, const char *name, const char *text, ddad_error *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = d >= 0 ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) : -1;
    if (d >= 0 && H5Dclose(d) < 0) rc = -1;
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot write text %s", name) : 0;
}

hid_t ddad_h5_group(hid_t loc, const char *path, ddad_error *err)
{
    if (H5Lexists(loc, path, H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(loc, path, H5P_DEFAULT);
        if (g < 0) ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot open group %s", path);
        return g;
    }
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(loc, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (g < 0) ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5: cannot create group %s", path);
    return g;
}

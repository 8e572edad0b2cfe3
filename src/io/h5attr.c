#include "io/h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ddad_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void ddad_utc_now(char *out, size_t outlen)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ddad_h5_attr_write_str(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    int rc = -1;
    hid_t space = -1, attr = -1;
    if (H5Tset_size(type, len + 1) < 0 || H5Tset_strpad(type, H5T_STR_NULLTERM) < 0) goto done;
    if ((space = H5Screate(H5S_SCALAR)) < 0) goto done;
    if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
    if (H5Awrite(attr, type, value) < 0) goto done;
    rc = 0;
done:
    if (attr >= 0 && H5Aclose(attr) < 0) rc = -1;
    if (space >= 0) H5Sclose(space);
    H5Tclose(type);
    return rc;
}

static int write_i64(hid_t obj, const char *name, const int64_t *values, int n, int scalar)
{
    hsize_t dim = (hsize_t)n;
    hid_t space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    if (space < 0) return -1;
    int rc = -1;
    hid_t attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0) {
        if (H5Awrite(attr, H5T_NATIVE_INT64, values) >= 0) rc = 0;
        if (H5Aclose(attr) < 0) rc = -1;
    }
    H5Sclose(space);
    return rc;
}

int ddad_h5_attr_write_i64(hid_t obj, const char *name, int64_t value)
{
    return write_i64(obj, name, &value, 1, 1);
}

int ddad_h5_attr_write_i64_array(hid_t obj, const char *name, const int64_t *values, int n)
{
    return write_i64(obj, name, values, n, 0);
}

int ddad_h5_attr_read_str(hid_t obj, const char *name, char *out, size_t outlen)
{
    if (outlen == 0) return -1;
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    int rc = -1;
    hid_t type = H5Aget_type(attr), mem = -1, space = H5Aget_space(attr);
    /* One string: H5Aread writes every element of the attribute. */
    hssize_t npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (type < 0 || H5Tget_class(type) != H5T_STRING || npoints != 1) goto done;
    if (H5Tis_variable_str(type) > 0) {
        char *s = NULL;
        if ((mem = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mem, H5T_VARIABLE) < 0) goto done;
        if (H5Aread(attr, mem, &s) < 0) goto done;
        snprintf(out, outlen, "%s", s ? s : "");
        H5free_memory(s);
        rc = 0;
    } else {
        size_t size = H5Tget_size(type);
        char *buf = calloc(size + 1, 1);
        if (!buf) goto done;
        if ((mem = H5Tcopy(type)) >= 0 && H5Aread(attr, mem, buf) >= 0) {
            snprintf(out, outlen, "%s", buf);
            rc = 0;
        }
        free(buf);
    }
done:
    if (mem >= 0) H5Tclose(mem);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

int ddad_h5_attr_read_i64_array(hid_t obj, const char *name, int64_t *values, int n)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    int rc = -1;
    hid_t space = H5Aget_space(attr);
    if (space >= 0) {
        hssize_t npoints = H5Sget_simple_extent_npoints(space);
        if (npoints == n && H5Aread(attr, H5T_NATIVE_INT64, values) >= 0) rc = 0;
        H5Sclose(space);
    }
    H5Aclose(attr);
    return rc;
}

int ddad_h5_attr_read_i64(hid_t obj, const char *name, int64_t *value)
{
    return ddad_h5_attr_read_i64_array(obj, name, value, 1);
}

int ddad_h5_file_kind(const char *path, char *out, size_t outlen, ddad_error *err)
{
    out[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) return ddad_error_set(err, DDAD_EXIT_USAGE, "cannot open %s: no such file or not readable", path);
    fclose(f);
    ddad_h5_quiet();
    if (H5Fis_hdf5(path) <= 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s is not an HDF5 file", path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: HDF5 cannot open it", path);
    int rc = ddad_h5_attr_read_str(file, "kind", out, outlen);
    H5Fclose(file);
    if (rc < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s has no root attribute \"kind\": not a ddad file", path);
    return 0;
}

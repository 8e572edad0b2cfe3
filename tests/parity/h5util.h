/* Small HDF5 readers for the test programs: a dataset into a new buffer, an attribute. */
#ifndef DDAD_TESTS_H5UTIL_H
#define DDAD_TESTS_H5UTIL_H

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads a dataset (any shape) as `type` (elements of `size` bytes) into a new buffer;
 * *count gets the element count. Ends the program when it is missing or unreadable. */
static inline void *h5_read_as(hid_t loc, const char *name, hid_t type, size_t size, size_t *count)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0) {
        fprintf(stderr, "h5: missing dataset %s\n", name);
        exit(1);
    }
    hid_t sp = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    void *buf = malloc(size * (size_t)(n > 0 ? n : 1));
    if (!buf || H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        fprintf(stderr, "h5: cannot read %s\n", name);
        exit(1);
    }
    H5Dclose(ds);
    if (count) *count = (size_t)n;
    return buf;
}

static inline float *h5_read_floats(hid_t loc, const char *name, size_t *count)
{
    return (float *)h5_read_as(loc, name, H5T_NATIVE_FLOAT, sizeof(float), count);
}

static inline void *h5_read_u8(hid_t loc, const char *name, size_t *count)
{
    return h5_read_as(loc, name, H5T_NATIVE_UCHAR, 1, count);
}

static inline double h5_attr_double(hid_t loc, const char *name)
{
    double v = 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) {
        fprintf(stderr, "h5: missing attribute %s\n", name);
        exit(1);
    }
    H5Aclose(a);
    return v;
}

static inline int h5_has_attr(hid_t loc, const char *name) { return H5Aexists(loc, name) > 0; }

#endif

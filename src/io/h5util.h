/* Small HDF5 helpers for the run's files: attributes and 1-D/2-D datasets. Every call is
 * checked; failures return -1 with err filled (message names the object). */
#ifndef DDAD_IO_H5UTIL_H
#define DDAD_IO_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

int ddad_h5_attr_str(hid_t obj, const char *name, const char *value, ddad_error *err);
int ddad_h5_attr_i64(hid_t obj, const char *name, int64_t value, ddad_error *err);
int ddad_h5_attr_f64(hid_t obj, const char *name, double value, ddad_error *err);
/* Readers: -1 (err filled) when missing. The string is truncated to n-1. */
int ddad_h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t n, ddad_error *err);
int ddad_h5_read_attr_i64(hid_t obj, const char *name, int64_t *value, ddad_error *err);
int ddad_h5_read_attr_f64(hid_t obj, const char *name, double *value, ddad_error *err);

/* Datasets of rank 1..3 with native types H5T_NATIVE_FLOAT / DOUBLE / INT8 / INT64. */
int ddad_h5_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data,
                  ddad_error *err);
/* Reads a whole dataset of n elements (checks the element count). */
int ddad_h5_read(hid_t loc, const char *name, hid_t type, size_t n, void *data, ddad_error *err);
/* Reads rows [start, start+count) of a dataset whose first dimension indexes images; each
 * row must hold row_elems elements (the product of the other dimensions), as data expects. */
int ddad_h5_read_rows(hid_t loc, const char *name, hid_t type, int64_t start, int64_t count, size_t row_elems,
                      void *data, ddad_error *err);
/* Number of elements along the first dimension (-1 when missing). */
int64_t ddad_h5_rows(hid_t loc, const char *name);
/* Fixed-length strings of slot bytes each. */
int ddad_h5_write_strings(hid_t loc, const char *name, const char *strings, size_t count, size_t slot,
                          ddad_error *err);
int ddad_h5_read_strings(hid_t loc, const char *name, char *strings, size_t count, size_t slot, ddad_error *err);
/* A scalar variable-length string dataset. */
int ddad_h5_write_text(hid_t loc, const char *name, const char *text, ddad_error *err);
/* Creates intermediate groups as needed. */
hid_t ddad_h5_group(hid_t loc, const char *path, ddad_error *err);

#endif

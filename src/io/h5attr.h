/* HDF5 attribute helpers, the one implementation every ddad file uses: scalar attributes
 * and the "kind" of a file (dataset, results, ...). */
#ifndef DDAD_IO_H5ATTR_H
#define DDAD_IO_H5ATTR_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Scalar attributes on a file or group. Strings are written fixed-length, NUL-terminated;
 * the reader accepts fixed- and variable-length strings. All return 0 or -1. */
int ddad_h5_attr_write_str(hid_t obj, const char *name, const char *value);
int ddad_h5_attr_write_i64(hid_t obj, const char *name, int64_t value);
int ddad_h5_attr_write_i64_array(hid_t obj, const char *name, const int64_t *values, int n);
int ddad_h5_attr_read_str(hid_t obj, const char *name, char *out, size_t outlen);
int ddad_h5_attr_read_i64(hid_t obj, const char *name, int64_t *value);
int ddad_h5_attr_read_i64_array(hid_t obj, const char *name, int64_t *values, int n);

/* Reads the root attribute "kind" of an HDF5 file. Returns 0, or -1 with err set: the file
 * is missing (DDAD_EXIT_USAGE), not HDF5 (DDAD_EXIT_USAGE), or has no "kind" (out = ""). */
int ddad_h5_file_kind(const char *path, char *out, size_t outlen, ddad_error *err);

/* Turns off HDF5's automatic error stack printing (ddad reports its own errors). */
void ddad_h5_quiet(void);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ". */
void ddad_utc_now(char *out, size_t outlen);

#endif

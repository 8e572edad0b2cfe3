/* HDF5 files that detect their own damage, for every file `ddad run --resume` reads
 * (member and refiner checkpoints, score.h5):
 *   - the file format of HDF5 1.8 and later, whose superblock and object headers carry
 *     checksums: attributes and compact (scalar) datasets live in the headers, so a flipped
 *     byte there, or a truncated file, makes the open or the read fail;
 *   - datasets in chunks with the Fletcher32 checksum filter: a read of a damaged chunk
 *     fails instead of returning its bytes.
 * ddad_h5_reason() then says what HDF5 found. */
#ifndef DDAD_IO_H5CHECK_H
#define DDAD_IO_H5CHECK_H

#include <hdf5.h>
#include <stddef.h>

#include "core/error.h"

/* H5Fcreate (truncating) in the checksummed format; -1 with err filled on failure. */
hid_t ddad_h5c_create(const char *path, ddad_error *err);

/* The creation property list of a dataset of `rank` dims (rank 0: scalar) with elements of
 * elem_bytes: compact for a scalar, chunked (up to 1 MiB per chunk) with Fletcher32
 * otherwise, plain when it holds no elements. -1 on failure; close with H5Pclose. */
hid_t ddad_h5c_dcpl(int rank, const hsize_t *dims, size_t elem_bytes);

/* A whole dataset (rank 0..4) written with ddad_h5c_dcpl's storage. type is both the file
 * and the memory type (native types, or a fixed-length string type). */
int ddad_h5c_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data,
                   ddad_error *err);
/* count fixed-length strings of slot bytes each, the same way. */
int ddad_h5c_write_strings(hid_t loc, const char *name, const char *strings, size_t count, size_t slot,
                           ddad_error *err);

/* 1 when obj has the attribute, 0 when not, -1 with err filled when HDF5 cannot tell: the
 * object's header fails its checksum ("the file is damaged: ..."). */
int ddad_h5c_attr_exists(hid_t obj, const char *name, ddad_error *err);

/* The innermost message of HDF5's error stack, i.e. what the last failed HDF5 call found
 * ("data error detected by Fletcher32 checksum", "truncated file: eof = ..."). Call it right
 * after the failure: the next HDF5 call clears the stack. */
void ddad_h5_reason(char *buf, size_t n);

#endif

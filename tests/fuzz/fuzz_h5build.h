/* Structure-aware HDF5 inputs for the dataset and run-files harnesses. Mutating the bytes of
 * an HDF5 file mostly exercises HDF5's own decoder, which has memory errors on damaged files
 * (bench/RESULTS.md, "Fuzzing"); a recipe instead describes the groups, datasets
 * and attributes of a file, and the harness writes a valid HDF5 file from it through the
 * HDF5 API, so the fuzzer explores what ddad's readers do with any names, types, shapes and
 * values. fuzz_make_seeds turns ddad's own files into recipes (the *.recipe seeds).
 *
 * A recipe is FUZZ_H5_MAGIC, then records, each:
 *   u8 op           0 group, 1 dataset, 2 attribute
 *   str path        u8 length + bytes ("/" for the root)
 *   [op 2] str name
 *   [op 1, 2] u8 type (FUZZ_H5_T_*), [string] u16 size; u8 rank (0 scalar .. 4); rank x u32 dims;
 *   [op 1] u8 flags (1 chunked, 2 deflate); u16 length + data bytes (repeated to fill) */
#ifndef DDAD_FUZZ_H5BUILD_H
#define DDAD_FUZZ_H5BUILD_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_H5_MAGIC "DDH5"
enum {
    FUZZ_H5_T_U8, FUZZ_H5_T_I8, FUZZ_H5_T_I64, FUZZ_H5_T_F32, FUZZ_H5_T_F64, FUZZ_H5_T_STR, FUZZ_H5_T_VSTR,
    FUZZ_H5_T_I32, FUZZ_H5_T_U16BE, FUZZ_H5_NTYPES
};

/* 1 when data starts with FUZZ_H5_MAGIC. */
int fuzz_h5_is_recipe(const uint8_t *data, size_t size);
/* Writes the file the recipe describes to path. Records that do not parse or that HDF5
 * refuses are skipped: any input gives some file. */
void fuzz_h5_build(const uint8_t *data, size_t size, const char *path);
/* Whether raw HDF5 inputs go to the readers: yes unless FUZZ_HDF5_RAW=0 (bench/fuzz/run.sh
 * sets it, so that the fuzzer mutates recipes and not HDF5's own encoding). */
int fuzz_h5_raw_enabled(void);

#endif

/* The prepared dataset: one HDF5 file (or a set of shards) with the OC-SSL splits as uint8
 * images. docs/FORMATS.md describes the layout. Readers read only the ranges they need. */
#ifndef DDAD_DATA_DATASET_H
#define DDAD_DATA_DATASET_H

#include <mpi.h>
#include <stdint.h>

#include "core/error.h"

#define DDAD_DATASET_FORMAT_VERSION 1
#define DDAD_NAME_MAX 256
/* "fnv1a64:" and 16 hex digits, NUL-terminated. */
#define DDAD_DIGEST_MAX 32

enum {
    DDAD_SPLIT_NORMAL = 0,   /* /train/normal            D_n */
    DDAD_SPLIT_POOL0 = 1,    /* /train/unlabeled/pool0   unlabeled pool, normal in Med-AD */
    DDAD_SPLIT_POOL1 = 2,    /* /train/unlabeled/pool1   unlabeled pool, abnormal in Med-AD */
    DDAD_SPLIT_TEST = 3,     /* /test                    labelled */
    DDAD_NUM_SPLITS = 4
};

typedef struct {
    int format_version;
    int img_size;                        /* H = W */
    int64_t count[DDAD_NUM_SPLITS];      /* images per split */
    int has_masks;                       /* /test/masks present */
    char source[256];
    char tool_version[64];
    char created[64];
    char digest[DDAD_DIGEST_MAX];        /* content digest ("fnv1a64:..."); "" in older files */
} ddad_dataset_info;

typedef struct ddad_dataset ddad_dataset;

/* Opens for reading. With a parallel HDF5 and comm != MPI_COMM_NULL, reads through
 * MPI-IO; every rank of comm must then make the same sequence of read calls (counts may
 * differ, zero included). With comm == MPI_COMM_NULL, or a serial HDF5, reads are independent. */
ddad_dataset *ddad_dataset_open(const char *path, MPI_Comm comm, ddad_error *err);
const ddad_dataset_info *ddad_dataset_get_info(const ddad_dataset *d);
/* 1 when reads go through collective MPI-IO, 0 when they are independent. */
int ddad_dataset_is_collective(const ddad_dataset *d);
void ddad_dataset_close(ddad_dataset *d);

/* Images [start, start+count) of a split, count*H*W bytes. */
int ddad_dataset_read_images(ddad_dataset *d, int split, int64_t start, int64_t count, uint8_t *out,
                             ddad_error *err);
/* Labels (0 normal, 1 abnormal; hidden labels for the pools). */
int ddad_dataset_read_labels(ddad_dataset *d, int split, int64_t start, int64_t count, int8_t *out,
                             ddad_error *err);
/* Names, each NUL-terminated in a DDAD_NAME_MAX slot. */
int ddad_dataset_read_names(ddad_dataset *d, int split, int64_t start, int64_t count, char *out,
                            ddad_error *err);
/* Test masks (0/1 bytes, count*H*W); only when info.has_masks. */
int ddad_dataset_read_masks(ddad_dataset *d, int64_t start, int64_t count, uint8_t *out, ddad_error *err);

const char *ddad_split_name(int split);   /* "train/normal", ... */

#endif

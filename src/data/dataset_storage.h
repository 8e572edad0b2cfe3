/* How a dataset file is stored (for `ddad info`): files, sizes, chunking, compression. */
#ifndef DDAD_DATA_DATASET_STORAGE_H
#define DDAD_DATA_DATASET_STORAGE_H

#include <stdint.h>

#include "core/error.h"

typedef struct {
    int files;                       /* 1, or 1 index + n shards */
    int64_t bytes_on_disk;           /* all files together */
    int64_t image_chunk[3];          /* chunk shape of /train/normal/images (0: not chunked) */
    int deflate_level;               /* -1: none */
    int shuffle;
    int64_t image_bytes_raw, image_bytes_stored;   /* every images dataset, all files */
} ddad_dataset_storage;

int ddad_dataset_get_storage(const char *path, ddad_dataset_storage *st, ddad_error *err);

#endif

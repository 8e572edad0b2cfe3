/* Names and shapes shared by the dataset reader and writer (docs/FORMATS.md). */
#ifndef DDAD_DATA_DATASET_LAYOUT_H
#define DDAD_DATA_DATASET_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define DDAD_DATASET_KIND "dataset"
#define DDAD_CHUNK_IMAGES 64        /* images per chunk */
#define DDAD_MAX_SHARDS 32

/* HDF5 group of a split: "/train/normal", "/train/unlabeled/pool0", ... */
const char *ddad_split_group(int split);

/* Shard file name for shard s of n, for the index file `path`:
 * "dir/name.h5" -> "dir/name.shard-003-of-008.h5". */
void ddad_shard_path(const char *path, int s, int n, char *out, size_t outlen);

/* Shard s of n holds items [first, first+count) of a split with `total` items. */
void ddad_shard_range(int64_t total, int s, int n, int64_t *first, int64_t *count);

#endif

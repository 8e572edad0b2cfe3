/* Writing a dataset file (one process). The file appears under its final name only when
 * ddad_dataset_finish() succeeds; until then it lives under a temporary name that a fatal
 * error removes. */
#ifndef DDAD_DATA_DATASET_WRITE_H
#define DDAD_DATA_DATASET_WRITE_H

#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

typedef struct {
    int img_size;
    int64_t count[DDAD_NUM_SPLITS];
    int with_masks;          /* write /test/masks */
    int shards;              /* 0 or 1: one file; n > 1: an index file plus n shard files */
    int deflate;             /* 0: no compression; 1..9: deflate level */
    const char *source;      /* e.g. "medad:/data/RSNA" or "synth:demo seed=1" */
} ddad_dataset_spec;

typedef struct ddad_dataset_writer ddad_dataset_writer;

ddad_dataset_writer *ddad_dataset_create(const char *path, const ddad_dataset_spec *spec, ddad_error *err);

/* Items [start, start+count) of a split: images (count*H*W), labels (count), names
 * (count slots of DDAD_NAME_MAX bytes, NUL-terminated). */
int ddad_dataset_write(ddad_dataset_writer *w, int split, int64_t start, int64_t count, const uint8_t *images,
                       const int8_t *labels, const char *names, ddad_error *err);
/* Test masks [start, start+count), 0/1 bytes; only when spec.with_masks. */
int ddad_dataset_write_masks(ddad_dataset_writer *w, int64_t start, int64_t count, const uint8_t *masks,
                             ddad_error *err);

/* Closes every file and renames them to their final names; frees w. */
int ddad_dataset_finish(ddad_dataset_writer *w, ddad_error *err);
/* Closes and removes everything written; frees w. */
void ddad_dataset_discard(ddad_dataset_writer *w);

#endif

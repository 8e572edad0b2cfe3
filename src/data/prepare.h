/* ddad prepare: a Med-AD folder -> a dataset file, decoding and resizing on all cores. */
#ifndef DDAD_DATA_PREPARE_H
#define DDAD_DATA_PREPARE_H

#include "core/error.h"

typedef struct {
    const char *root;     /* Med-AD folder: data.json + images/ */
    const char *out;      /* dataset file */
    int img_size;
    int shards;           /* 1: one file */
    int deflate;          /* 0..9 */
    int threads;          /* decoding threads, >= 1 */
} ddad_prepare_opts;

/* Returns 0, or -1 with err set; on failure no output file is left behind. Prints progress
 * (stderr) and, on success, a summary of what it wrote (stdout). */
int ddad_prepare_medad(const ddad_prepare_opts *o, ddad_error *err);

#endif

/* The Med-AD dataset layout: ROOT/data.json lists the images of each split, which live in
 * ROOT/images/. {"train": {"0": [...], "unlabeled": {"0": [...], "1": [...]}},
 *                "test": {"0": [...], "1": [...]}} */
#ifndef DDAD_DATA_MEDAD_H
#define DDAD_DATA_MEDAD_H

#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

typedef struct {
    int64_t count[DDAD_NUM_SPLITS];
    char **names[DDAD_NUM_SPLITS];     /* as listed; test: the normals ("0") then the abnormals ("1") */
    int8_t *labels[DDAD_NUM_SPLITS];   /* train 0, pool0 0, pool1 1, test 0 then 1 */
} ddad_medad_list;

/* Reads and checks ROOT/data.json: every key present, every split a non-empty list of
 * strings, names relative to ROOT/images without '..', no name listed twice.
 * Returns 0, or -1 with a message naming the file, the key and the culprit (DDAD_EXIT_USAGE). */
int ddad_medad_read(const char *root, ddad_medad_list *out, ddad_error *err);
void ddad_medad_free(ddad_medad_list *l);

/* Checks one name from data.json; returns NULL if fine, else the reason. */
const char *ddad_medad_bad_name(const char *name);

#endif

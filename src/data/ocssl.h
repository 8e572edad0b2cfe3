/* OC-SSL training sets of the two modules (docs/METHOD.md, "Setting").
 *   NDM: D_n.
 *   UDM: D_n + the first normal_num images of pool 0 + the first abnormal_num of pool 1,
 *        abnormal_num = int(E * ar), normal_num = E - abnormal_num (E = extra_data). */
#ifndef DDAD_DATA_OCSSL_H
#define DDAD_DATA_OCSSL_H

#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

void ddad_ocssl_counts(int extra_data, double ar, int64_t *normal_num, int64_t *abnormal_num);

/* Reads the training images of a module (DDAD_MOD_NDM or DDAD_MOD_UDM) into a new buffer
 * (*images, n x H x W bytes, free() it). Returns 0 or -1 with err filled. */
int ddad_ocssl_load(ddad_dataset *ds, int module, int extra_data, double ar, uint8_t **images, int64_t *n,
                    ddad_error *err);

#endif

/* A paramset in HDF5, under a group, with PyTorch state_dict names and shapes:
 *   <group>/<name>                       parameters and BatchNorm buffers
 *   <group>/<bn>.num_batches_tracked     int64
 *   <group>/optimizer/{exp_avg, exp_avg_sq} flat float buffers, attribute step
 * Loading checks every name and shape and says which one does not match. */
#ifndef DDAD_MODEL_CHECKPOINT_H
#define DDAD_MODEL_CHECKPOINT_H

#include <hdf5.h>

#include "core/error.h"
#include "model/paramset.h"

int ddad_paramset_save(hid_t group, const ddad_paramset *ps, int with_optimizer, ddad_error *err);
int ddad_paramset_load(hid_t group, ddad_paramset *ps, int with_optimizer, ddad_error *err);

#endif

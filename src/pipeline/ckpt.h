/* Training checkpoints of one network (an ensemble member or the refiner):
 *   attributes  kind, key (the setup it belongs to: ddad_run's members_key or refine_key),
 *               epoch (completed epochs),
 *               batch (next batch of the current epoch), loss_partial (sum of this
 *               epoch's step losses so far)
 *   /net        ddad_paramset_save(with_optimizer = 1): parameters, BatchNorm statistics,
 *               Adam moments and step
 *   /loss       mean loss of every completed epoch
 * The data order and every random draw are functions of (seed, member, epoch, position),
 * so (epoch, batch) is the whole data-order and RNG state. The file is written with
 * checksums on its metadata and datasets (io/h5check.h), so damage is found when it is read. */
#ifndef DDAD_PIPELINE_CKPT_H
#define DDAD_PIPELINE_CKPT_H

#include <stdint.h>

#include "core/error.h"
#include "model/paramset.h"
#include "pipeline/run.h"

typedef struct {
    int64_t epoch;         /* completed epochs */
    int64_t batch;         /* next batch within epoch `epoch` (0 at an epoch boundary) */
    double loss_partial;   /* sum of the step losses of the batches done in this epoch */
    double *loss;          /* mean loss per completed epoch; capacity cap */
    int64_t cap;
} ddad_train_state;

void ddad_train_state_init(ddad_train_state *st, int64_t epochs);
void ddad_train_state_free(ddad_train_state *st);

/* Writes path (temp name + rename). */
int ddad_ckpt_save(const char *path, const char *kind, const char *key, const ddad_paramset *ps,
                   const ddad_train_state *st, ddad_error *err);
/* Loads path into ps (with the optimizer when with_optimizer) and st (may be NULL).
 * A checkpoint written for another setup (its key differs) is refused naming every key that
 * differs; a damaged or truncated one (HDF5 cannot open or read it: checksums, io/h5check.h)
 * is refused naming the file and what HDF5 found, followed by `redo` (what to do: see
 * ddad_redo_hint). Usage errors; nothing read is to be used when it fails. */
int ddad_ckpt_load(const char *path, const char *key, ddad_paramset *ps, int with_optimizer, ddad_train_state *st,
                   const char *redo, ddad_error *err);

/* ddad_ckpt_load of one of this run's checkpoints of `stage` (DDAD_STAGE_MEMBERS or
 * DDAD_STAGE_REFINE): with that stage's key, and its advice (ddad_redo_hint) when the file
 * is damaged. */
int ddad_run_ckpt_load(const ddad_run *run, int stage, const char *path, ddad_paramset *ps, int with_optimizer,
                       ddad_train_state *st, ddad_error *err);

/* Describes every difference between this run's key and another "name=value ..." key into
 * buf: "this run has Model.ls=8, <other> Model.ls=16; ..." (other: "the checkpoint has"). */
void ddad_key_diff(const char *want, const char *have, const char *other, char *buf, size_t n);

#endif

/* A test hook for the failure of one rank in the middle of a job.
 *
 *   DDAD_FAULT_INJECT=read_batch:stage=<members|refine|eval>:rank=<r>:step=<n>
 *
 * makes rank r fail to read its n-th batch (1-based, counted in this process) of that
 * stage, as a real read failure would: ddad_fatal with that rank's message, while the
 * other ranks wait in the stage's next collective. The batches are the members' and the
 * refiner's training batches (CPU path) and, in eval, each read of this rank's rows of
 * score.h5 (its refiner chunks first, then the rec / intra / inter maps it writes into
 * results.h5). Unset, it costs one getenv per process. */
#ifndef DDAD_PIPELINE_FAULT_INJECT_H
#define DDAD_PIPELINE_FAULT_INJECT_H

#include "pipeline/run.h"

void ddad_fault_read_batch(const ddad_run *run, int stage);

#endif

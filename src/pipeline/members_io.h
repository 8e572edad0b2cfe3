/* Loading trained members from the run's checkpoints as inference-only networks. */
#ifndef DDAD_PIPELINE_MEMBERS_IO_H
#define DDAD_PIPELINE_MEMBERS_IO_H

#include "model/ae.h"
#include "pipeline/run.h"

/* The output channels of a member network (1 for AE, 2 for AE-U). */
int ddad_member_channels(const ddad_config *c);
/* Loads member m's final weights into a new eval-only network for batches up to max_batch. */
ddad_ae *ddad_member_load_eval(ddad_run *run, int member, int max_batch);

/* The refiner's input channels: 2 for R_dual ([A_inter, A_intra]), 1 for R_intra. */
int ddad_refine_in_channels(const ddad_config *c);
/* Runs all 2K members (nets in member order) on nb images x and writes the refiner's input
 * in: [nb][c_in][hw]. outs ([2K][nb][C][hw]), inter and intra ([nb][hw]) are workspace. */
void ddad_refine_input(ddad_ae *const *nets, int K, int C, int c_in, const float *x, int nb, size_t hw, float *outs,
                       float *inter, float *intra, float *in);

#endif

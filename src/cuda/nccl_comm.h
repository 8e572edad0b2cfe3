/* GPU collectives for the refiner (gradient all-reduce, synchronised BatchNorm sums) and
 * the reduction stage, on device buffers.
 *
 * NCCL refuses two ranks of one communicator on one GPU, so the communicator is a
 * hierarchy (docs/GPU.md):
 *   - ranks are grouped by the GPU they use; the lowest rank of a group is its leader;
 *   - leaders form the NCCL communicator (one NCCL rank per GPU);
 *   - with one rank per GPU everywhere ("nccl" mode), a collective is one NCCL call on the
 *     communicator's own stream, ordered after the caller's stream by an event and before
 *     the caller's later work by another: no device-wide sync, and CUDA-graph capturable;
 *   - when ranks share a GPU ("hierarchy" mode), members stage through pinned host memory
 *     and reduce to their leader over MPI, leaders all-reduce over NCCL, and the leader
 *     broadcasts the result back over MPI (not capturable: host synchronisation);
 *   - built without NCCL ("mpi" mode), every collective is host-staged MPI over the world.
 * Every mode sums the same values; only the rounding order may differ between modes.
 * DDAD_NCCL_FORCE=1 (tests) creates the NCCL communicator even when only one GPU is used. */
#ifndef DDAD_CUDA_NCCL_COMM_H
#define DDAD_CUDA_NCCL_COMM_H

#include <cuda_runtime_api.h>
#include <mpi.h>
#include <stddef.h>

#include "cuda/device.h"
#include "cuda/reducer_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddad_gpu_comm ddad_gpu_comm;

/* Collective over world; placement from ddad_gpu_place (device >= 0 on every rank). */
ddad_gpu_comm *ddad_gpu_comm_create(MPI_Comm world, const ddad_gpu_placement *placement);
void ddad_gpu_comm_free(ddad_gpu_comm *c);

/* "nccl", "hierarchy" or "mpi" (see above). */
const char *ddad_gpu_comm_mode(const ddad_gpu_comm *c);
/* 1 when collectives may be captured in a CUDA graph ("nccl" mode). */
int ddad_gpu_comm_capturable(const ddad_gpu_comm *c);

/* In-place sums over all ranks, ordered on `stream`. */
void ddad_gpu_allreduce_sum_float(ddad_gpu_comm *c, float *d_buf, size_t n, cudaStream_t stream);
void ddad_gpu_allreduce_sum_double(ddad_gpu_comm *c, double *d_buf, size_t n, cudaStream_t stream);
/* d_recv [size][n] = every rank's d_send [n], in rank order. */
void ddad_gpu_allgather_float(ddad_gpu_comm *c, const float *d_send, size_t n, float *d_recv, cudaStream_t stream);

/* Waits for ev as cudaEventSynchronize does, but with NCCL in use checks NCCL's
 * asynchronous error state while waiting: a collective whose peer rank, GPU or network
 * failed never completes, and the rank would otherwise wait forever. On such an error the
 * NCCL communicator is aborted and the job ends with a message (ddad_fatal). */
void ddad_gpu_comm_wait_event(ddad_gpu_comm *c, cudaEvent_t ev);

/* A reducer for synchronised BatchNorm (batchnorm_gpu.h, refine_gpu.h). */
ddad_gpu_reducer ddad_gpu_comm_reducer(ddad_gpu_comm *c);

#ifdef __cplusplus
}
#endif

#endif

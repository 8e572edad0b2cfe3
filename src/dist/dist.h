/* MPI roles: the world communicator, the node-local communicator, member placement and
 * the collectives the pipeline uses.
 *
 * Members are numbered m = 0..2K-1: NDM 0..K-1, then UDM 0..K-1. Rank r owns the members
 * m with m % N == r, in increasing order. Every cross-rank combination goes through the
 * functions below, so a GPU build can swap MPI for NCCL behind the same calls. */
#ifndef DDAD_DIST_DIST_H
#define DDAD_DIST_DIST_H

#include <mpi.h>
#include <stddef.h>

#include "core/error.h"
#include "model/refine.h"

#define DDAD_MAX_MEMBERS 64

typedef struct {
    MPI_Comm world;
    int rank, size;
    int node_rank, node_size;   /* within MPI_COMM_TYPE_SHARED */
    int cores_on_node;          /* online cores of this node */
    int threads;                /* compute threads per rank */
    int n_members;              /* 2K */
    int K;
    int n_local;                /* members this rank owns */
    int local[DDAD_MAX_MEMBERS];
} ddad_dist;

/* Sets up the communicators and the placement of 2K members. Returns -1 (usage error) when
 * there are more ranks than members. */
int ddad_dist_init(ddad_dist *d, int K, ddad_error *err);
void ddad_dist_free(ddad_dist *d);

int ddad_dist_owner(const ddad_dist *d, int member);
/* Part `index` of a batch of `total` samples cut into `parts` (the refiner's global batch
 * over ranks): *count samples from *offset on; the first total % parts parts take one more.
 * The parts are contiguous, in index order, and cover the batch. */
void ddad_batch_part(int total, int parts, int index, int *count, int *offset);
/* Member m -> module (DDAD_MOD_NDM / DDAD_MOD_UDM) and index within the module. */
void ddad_member_id(int K, int member, int *module, int *index);
/* "ndm_0", "udm_2", ... */
void ddad_member_name(int K, int member, char *buf, size_t n);
/* "NDM", "UDM" */
const char *ddad_module_label(int module);

/* The member reduction: local holds this rank's members' arrays (n_local x count floats,
 * in the order of d->local); all receives every member's array in member order
 * (n_members x count), on every rank. Combining them afterwards in member order makes the
 * result independent of the placement. */
void ddad_reduce_members(const ddad_dist *d, const float *local, size_t count, float *all);

/* In-place sums over all ranks. */
void ddad_allreduce_sum_float(const ddad_dist *d, float *buf, size_t n);
void ddad_allreduce_sum_double(const ddad_dist *d, double *buf, size_t n);
/* A reducer (model/refine.h) that sums doubles over all ranks; NULL-equivalent on one rank. */
ddad_reducer ddad_dist_reducer(ddad_dist *d);

/* All ranks agree on a flag: returns the maximum over ranks. */
int ddad_dist_agree_max(const ddad_dist *d, int flag);
void ddad_dist_barrier(const ddad_dist *d);
/* Broadcasts n bytes from root. */
void ddad_dist_bcast(const ddad_dist *d, void *buf, size_t n, int root);

#endif

#include "dist/dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/util.h"

int ddad_dist_init(ddad_dist *d, int K, ddad_error *err)
{
    memset(d, 0, sizeof *d);
    d->world = MPI_COMM_WORLD;
    DDAD_CHECK_MPI(MPI_Comm_rank(d->world, &d->rank));
    DDAD_CHECK_MPI(MPI_Comm_size(d->world, &d->size));
    d->K = K;
    d->n_members = 2 * K;
    if (d->n_members > DDAD_MAX_MEMBERS)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "Ensemble.members = %d is too large (at most %d)", K,
                              DDAD_MAX_MEMBERS / 2);
    if (d->size > d->n_members)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%d MPI ranks but only %d ensemble members (2 x Ensemble.members = %d): "
                              "run with at most %d ranks (e.g. mpirun -np %d)",
                              d->size, d->n_members, d->n_members, d->n_members, d->n_members);
    for (int m = d->rank; m < d->n_members; m += d->size) d->local[d->n_local++] = m;

    MPI_Comm node;
    DDAD_CHECK_MPI(MPI_Comm_split_type(d->world, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL, &node));
    DDAD_CHECK_MPI(MPI_Comm_rank(node, &d->node_rank));
    DDAD_CHECK_MPI(MPI_Comm_size(node, &d->node_size));
    DDAD_CHECK_MPI(MPI_Comm_free(&node));
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    d->cores_on_node = cores > 0 ? (int)cores : 1;
    d->threads = d->cores_on_node / d->node_size;
    if (d->threads < 1) d->threads = 1;
    /* an explicit count wins: DDAD_THREADS, else the OpenMP convention OMP_NUM_THREADS
     * (results do not depend on the thread count, only the speed does) */
    const char *names[2] = {"DDAD_THREADS", "OMP_NUM_THREADS"};
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(names[i]);
        if (!v || !*v) continue;
        char *end;
        long t = strtol(v, &end, 10);
        /* OMP_NUM_THREADS may be a nested list ("4,2"): its first level counts here */
        int ok = t >= 1 && t <= 4096 && (*end == '\0' || (i == 1 && *end == ','));
        if (!ok && i == 1) continue;   /* not a count ddad can use: leave the default */
        if (!ok)
            return ddad_error_set(err, DDAD_EXIT_USAGE, "%s=%s: expected a thread count from 1 to 4096 (or unset it)",
                                  names[i], v);
        d->threads = (int)t;
        break;
    }
    return 0;
}

void ddad_dist_free(ddad_dist *d) { (void)d; }

int ddad_dist_owner(const ddad_dist *d, int member) { return member % d->size; }

void ddad_member_id(int K, int member, int *module, int *index)
{
    *module = member < K ? DDAD_MOD_NDM : DDAD_MOD_UDM;
    *index = member < K ? member : member - K;
}

void ddad_member_name(int K, int member, char *buf, size_t n)
{
    int module, index;
    ddad_member_id(K, member, &module, &index);
    snprintf(buf, n, "%s_%d", module == DDAD_MOD_NDM ? "ndm" : "udm", index);
}

const char *ddad_module_label(int module) { return module == DDAD_MOD_NDM ? "NDM" : "UDM"; }

void ddad_batch_part(int total, int parts, int index, int *count, int *offset)
{
    const int q = total / parts, rem = total % parts;
    *count = q + (index < rem);
    *offset = index * q + (index < rem ? index : rem);
}

void ddad_reduce_members(const ddad_dist *d, const float *local, size_t count, float *all)
{
    size_t total = (size_t)d->n_members * count;
    if (d->size == 1) {
        memcpy(all, local, total * sizeof(float));
        return;
    }
    if (count > (size_t)(1 << 30) / DDAD_MAX_MEMBERS)
        ddad_fatal(DDAD_EXIT_RUNTIME, "member reduction of %zu floats per member is too large for one call", count);
    /* Gather in rank order, then permute into member order (rank r holds r, r+N, ...). */
    int *counts = ddad_malloc(sizeof(int) * (size_t)d->size, "gather counts");
    int *displs = ddad_malloc(sizeof(int) * (size_t)d->size, "gather displacements");
    int off = 0;
    for (int r = 0; r < d->size; r++) {
        int nm = 0;
        for (int m = r; m < d->n_members; m += d->size) nm++;
        counts[r] = nm * (int)count;
        displs[r] = off;
        off += counts[r];
    }
    float *tmp = ddad_malloc_aligned(total * sizeof(float), "member reduction buffer");
    DDAD_CHECK_MPI(MPI_Allgatherv(local, counts[d->rank], MPI_FLOAT, tmp, counts, displs, MPI_FLOAT, d->world));
    for (int r = 0; r < d->size; r++) {
        int i = 0;
        for (int m = r; m < d->n_members; m += d->size, i++)
            memcpy(all + (size_t)m * count, tmp + (size_t)displs[r] + (size_t)i * count, count * sizeof(float));
    }
    free(tmp);
    free(counts);
    free(displs);
}

void ddad_allreduce_sum_float(const ddad_dist *d, float *buf, size_t n)
{
    if (d->size == 1) return;
    for (size_t off = 0; off < n; off += (size_t)1 << 30) {
        size_t c = n - off < ((size_t)1 << 30) ? n - off : ((size_t)1 << 30);
        DDAD_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)c, MPI_FLOAT, MPI_SUM, d->world));
    }
}

void ddad_allreduce_sum_double(const ddad_dist *d, double *buf, size_t n)
{
    if (d->size == 1) return;
    DDAD_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, d->world));
}

static void reducer_sum(double *buf, int n, void *ctx)
{
    ddad_allreduce_sum_double((const ddad_dist *)ctx, buf, (size_t)n);
}

ddad_reducer ddad_dist_reducer(ddad_dist *d)
{
    ddad_reducer r = {reducer_sum, d};
    return r;
}

int ddad_dist_agree_max(const ddad_dist *d, int flag)
{
    if (d->size == 1) return flag;
    int out = flag;
    DDAD_CHECK_MPI(MPI_Allreduce(&flag, &out, 1, MPI_INT, MPI_MAX, d->world));
    return out;
}

void ddad_dist_barrier(const ddad_dist *d)
{
    if (d->size > 1) DDAD_CHECK_MPI(MPI_Barrier(d->world));
}

void ddad_dist_bcast(const ddad_dist *d, void *buf, size_t n, int root)
{
    if (d->size == 1) return;
    for (size_t off = 0; off < n; off += (size_t)1 << 30) {
        size_t c = n - off < ((size_t)1 << 30) ? n - off : ((size_t)1 << 30);
        DDAD_CHECK_MPI(MPI_Bcast((char *)buf + off, (int)c, MPI_BYTE, root, d->world));
    }
}

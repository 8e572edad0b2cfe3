// The GPU communicator: NCCL among one leader rank per GPU, MPI within a GPU's group of
// ranks, host-staged MPI when NCCL is absent.
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/nccl_comm.h"

struct ddad_gpu_comm {
    MPI_Comm world, group, leaders;   // group: ranks on my GPU; leaders: one rank per GPU (else MPI_COMM_NULL)
    int rank, size, group_rank, group_size, n_leaders;
    int mode;                         // 0 nccl, 1 hierarchy, 2 mpi
    cudaStream_t stream;              // the communicator's own stream
    cudaEvent_t ready, done;
    void *host;                       // pinned staging buffer
    size_t host_bytes;
#ifdef DDAD_WITH_NCCL
    ncclComm_t nccl;
    int have_nccl;
#endif
};

enum { MODE_NCCL = 0, MODE_HIER = 1, MODE_MPI = 2 };

extern "C" ddad_gpu_comm *ddad_gpu_comm_create(MPI_Comm world, const ddad_gpu_placement *pl)
{
    if (pl->device < 0) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU communicator on a rank without a GPU");
    ddad_gpu_comm *c = (ddad_gpu_comm *)ddad_calloc(1, sizeof *c, "GPU communicator");
    c->world = world;
    DDAD_CHECK_MPI(MPI_Comm_rank(world, &c->rank));
    DDAD_CHECK_MPI(MPI_Comm_size(world, &c->size));
    // Node identity: the world rank of the node's first rank.
    MPI_Comm node;
    DDAD_CHECK_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, c->rank, MPI_INFO_NULL, &node));
    int node_id = c->rank;
    DDAD_CHECK_MPI(MPI_Bcast(&node_id, 1, MPI_INT, 0, node));
    DDAD_CHECK_MPI(MPI_Comm_free(&node));
    // Ranks on one GPU: same node, same physical GPU (its UUID, not the ordinal: with one
    // GPU bound to each rank every rank sees device 0). Keyed by world rank, so rank 0 of
    // the group is the lowest rank on that GPU: its leader.
    int color = node_id * 4096 + pl->gpu_group;
    DDAD_CHECK_MPI(MPI_Comm_split(world, color, c->rank, &c->group));
    DDAD_CHECK_MPI(MPI_Comm_rank(c->group, &c->group_rank));
    DDAD_CHECK_MPI(MPI_Comm_size(c->group, &c->group_size));
    DDAD_CHECK_MPI(MPI_Comm_split(world, c->group_rank == 0 ? 0 : MPI_UNDEFINED, c->rank, &c->leaders));
    int leader = c->group_rank == 0, max_group = 0;
    DDAD_CHECK_MPI(MPI_Allreduce(&leader, &c->n_leaders, 1, MPI_INT, MPI_SUM, world));
    DDAD_CHECK_MPI(MPI_Allreduce(&c->group_size, &max_group, 1, MPI_INT, MPI_MAX, world));
    DDAD_CHECK_CUDA(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&c->ready, cudaEventDisableTiming));
    DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&c->done, cudaEventDisableTiming));
#ifdef DDAD_WITH_NCCL
    c->mode = max_group == 1 ? MODE_NCCL : MODE_HIER;
    // DDAD_NCCL_FORCE=1 builds the NCCL communicator even with one GPU in use, so a
    // one-GPU node exercises the NCCL calls inside the hierarchy (tests).
    const int force = getenv("DDAD_NCCL_FORCE") != NULL;
    if (leader && (c->n_leaders > 1 || force)) {
        int lr;
        DDAD_CHECK_MPI(MPI_Comm_rank(c->leaders, &lr));
        ncclUniqueId id;
        if (lr == 0) DDAD_CHECK_NCCL(ncclGetUniqueId(&id));
        DDAD_CHECK_MPI(MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, c->leaders));
        DDAD_CHECK_NCCL(ncclCommInitRank(&c->nccl, c->n_leaders, id, lr));
        c->have_nccl = 1;
    }
#else
    c->mode = MODE_MPI;
#endif
    log_info("GPU collectives: %s (%d GPU(s) in use, up to %d rank(s) per GPU)", ddad_gpu_comm_mode(c), c->n_leaders,
             max_group);
#ifdef DDAD_WITH_NCCL
    if (c->have_nccl && c->rank == 0) {
        int v = 0;
        DDAD_CHECK_NCCL(ncclGetVersion(&v));
#ifdef DDAD_CUDA_EMU   // the CPU emulator's NCCL: its collectives go over MPI
        log_info("NCCL emulated over MPI (headers of %d.%d.%d) among %d leader rank(s)", v / 10000, (v / 100) % 100,
                 v % 100, c->n_leaders);
#else
        log_info("NCCL %d.%d.%d among %d leader rank(s)", v / 10000, (v / 100) % 100, v % 100, c->n_leaders);
#endif
    }
#endif
    return c;
}

extern "C" void ddad_gpu_comm_free(ddad_gpu_comm *c)
{
    if (!c) return;
    DDAD_CHECK_CUDA(cudaStreamSynchronize(c->stream));
#ifdef DDAD_WITH_NCCL
    if (c->have_nccl) DDAD_CHECK_NCCL(ncclCommDestroy(c->nccl));
#endif
    if (c->host) DDAD_CHECK_CUDA(cudaFreeHost(c->host));
    DDAD_CHECK_CUDA(cudaEventDestroy(c->ready));
    DDAD_CHECK_CUDA(cudaEventDestroy(c->done));
    DDAD_CHECK_CUDA(cudaStreamDestroy(c->stream));
    if (c->leaders != MPI_COMM_NULL) DDAD_CHECK_MPI(MPI_Comm_free(&c->leaders));
    DDAD_CHECK_MPI(MPI_Comm_free(&c->group));
    free(c);
}

extern "C" const char *ddad_gpu_comm_mode(const ddad_gpu_comm *c)
{
    return c->mode == MODE_NCCL ? "nccl" : c->mode == MODE_HIER ? "hierarchy" : "mpi";
}

extern "C" int ddad_gpu_comm_capturable(const ddad_gpu_comm *c) { return c->mode == MODE_NCCL; }

extern "C" void ddad_gpu_comm_wait_event(ddad_gpu_comm *c, cudaEvent_t ev)
{
#ifdef DDAD_WITH_NCCL
    if (c && c->have_nccl) {
        for (;;) {
            if (ddad_gpu_event_done(ev)) return;
            ncclResult_t async = ncclSuccess;
            DDAD_CHECK_NCCL(ncclCommGetAsyncError(c->nccl, &async));
#if defined(NCCL_VERSION_CODE) && NCCL_VERSION_CODE >= NCCL_VERSION(2, 14, 0)
            if (async == ncclInProgress) async = ncclSuccess;
#endif
            if (async != ncclSuccess) {
                ncclCommAbort(c->nccl);   // its own failure is not news now
                c->have_nccl = 0;
                ddad_fatal(DDAD_EXIT_RUNTIME,
                           "NCCL failed in a collective (%s): a peer rank, its GPU or the network failed; the run "
                           "stops here and can be resumed from its last checkpoint with --resume",
                           ncclGetErrorString(async));
            }
            const struct timespec pause = {0, 50 * 1000};   // 50 us
            nanosleep(&pause, NULL);
        }
    }
#else
    (void)c;
#endif
    DDAD_CHECK_CUDA(cudaEventSynchronize(ev));
}

static void *staging(ddad_gpu_comm *c, size_t bytes)
{
    if (bytes > c->host_bytes) {
        if (c->host) DDAD_CHECK_CUDA(cudaFreeHost(c->host));
        DDAD_CHECK_CUDA(cudaHostAlloc(&c->host, bytes, cudaHostAllocDefault));
        c->host_bytes = bytes;
    }
    return c->host;
}

#ifdef DDAD_WITH_NCCL
// NCCL on the communicator's stream, fenced by events against the caller's stream.
static void nccl_allreduce(ddad_gpu_comm *c, void *d_buf, size_t n, ncclDataType_t type, cudaStream_t stream)
{
    DDAD_CHECK_CUDA(cudaEventRecord(c->ready, stream));
    DDAD_CHECK_CUDA(cudaStreamWaitEvent(c->stream, c->ready, 0));
    DDAD_CHECK_NCCL(ncclAllReduce(d_buf, d_buf, n, type, ncclSum, c->nccl, c->stream));
    DDAD_CHECK_CUDA(cudaEventRecord(c->done, c->stream));
    DDAD_CHECK_CUDA(cudaStreamWaitEvent(stream, c->done, 0));
}
#endif

static void allreduce(ddad_gpu_comm *c, void *d_buf, size_t n, size_t elem, MPI_Datatype mtype, int is_double,
                      cudaStream_t stream)
{
    if (n == 0 || c->size == 1) return;
    if ((size_t)(int)n != n) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU all-reduce of %zu elements exceeds MPI counts", n);
#ifdef DDAD_WITH_NCCL
    ncclDataType_t ntype = is_double ? ncclFloat64 : ncclFloat32;
    if (c->mode == MODE_NCCL) {
        nccl_allreduce(c, d_buf, n, ntype, stream);
        return;
    }
#else
    (void)is_double;
#endif
    const size_t bytes = n * elem;
    void *h = staging(c, bytes);
    DDAD_CHECK_CUDA(cudaMemcpyAsync(h, d_buf, bytes, cudaMemcpyDeviceToHost, stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(stream));
    if (c->mode == MODE_MPI) {
        DDAD_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, h, (int)n, mtype, MPI_SUM, c->world));
    } else {
        // Hierarchy: reduce to the GPU's leader, NCCL among leaders, broadcast back.
        if (c->group_size > 1) {
            if (c->group_rank == 0)
                DDAD_CHECK_MPI(MPI_Reduce(MPI_IN_PLACE, h, (int)n, mtype, MPI_SUM, 0, c->group));
            else
                DDAD_CHECK_MPI(MPI_Reduce(h, NULL, (int)n, mtype, MPI_SUM, 0, c->group));
        }
#ifdef DDAD_WITH_NCCL
        if (c->group_rank == 0 && c->have_nccl) {
            DDAD_CHECK_CUDA(cudaMemcpyAsync(d_buf, h, bytes, cudaMemcpyHostToDevice, stream));
            nccl_allreduce(c, d_buf, n, ntype, stream);
            DDAD_CHECK_CUDA(cudaMemcpyAsync(h, d_buf, bytes, cudaMemcpyDeviceToHost, stream));
            DDAD_CHECK_CUDA(cudaEventRecord(c->ready, stream));
            ddad_gpu_comm_wait_event(c, c->ready);
        }
#endif
        if (c->group_size > 1) DDAD_CHECK_MPI(MPI_Bcast(h, (int)n, mtype, 0, c->group));
    }
    DDAD_CHECK_CUDA(cudaMemcpyAsync(d_buf, h, bytes, cudaMemcpyHostToDevice, stream));
    // The staging buffer is reused by the next collective: wait for this copy to leave it.
    DDAD_CHECK_CUDA(cudaStreamSynchronize(stream));
}

extern "C" void ddad_gpu_allreduce_sum_float(ddad_gpu_comm *c, float *d_buf, size_t n, cudaStream_t stream)
{
    allreduce(c, d_buf, n, sizeof(float), MPI_FLOAT, 0, stream);
}

extern "C" void ddad_gpu_allreduce_sum_double(ddad_gpu_comm *c, double *d_buf, size_t n, cudaStream_t stream)
{
    allreduce(c, d_buf, n, sizeof(double), MPI_DOUBLE, 1, stream);
}

extern "C" void ddad_gpu_allgather_float(ddad_gpu_comm *c, const float *d_send, size_t n, float *d_recv,
                                         cudaStream_t stream)
{
    const size_t bytes = n * sizeof(float);
    if (c->size == 1) {
        DDAD_CHECK_CUDA(cudaMemcpyAsync(d_recv, d_send, bytes, cudaMemcpyDeviceToDevice, stream));
        return;
    }
    if ((size_t)(int)n != n) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU all-gather of %zu elements exceeds MPI counts", n);
#ifdef DDAD_WITH_NCCL
    if (c->mode == MODE_NCCL) {
        // Leaders are all ranks here, ordered by world rank: NCCL rank order = world order.
        DDAD_CHECK_CUDA(cudaEventRecord(c->ready, stream));
        DDAD_CHECK_CUDA(cudaStreamWaitEvent(c->stream, c->ready, 0));
        DDAD_CHECK_NCCL(ncclAllGather(d_send, d_recv, n, ncclFloat32, c->nccl, c->stream));
        DDAD_CHECK_CUDA(cudaEventRecord(c->done, c->stream));
        DDAD_CHECK_CUDA(cudaStreamWaitEvent(stream, c->done, 0));
        return;
    }
#endif
    float *h = (float *)staging(c, bytes * (size_t)(c->size + 1));
    DDAD_CHECK_CUDA(cudaMemcpyAsync(h, d_send, bytes, cudaMemcpyDeviceToHost, stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(stream));
    DDAD_CHECK_MPI(MPI_Allgather(h, (int)n, MPI_FLOAT, h + n, (int)n, MPI_FLOAT, c->world));
    DDAD_CHECK_CUDA(cudaMemcpyAsync(d_recv, h + n, bytes * (size_t)c->size, cudaMemcpyHostToDevice, stream));
    DDAD_CHECK_CUDA(cudaStreamSynchronize(stream));
}

static void reducer_fn(double *dev_buf, int n, cudaStream_t stream, void *ctx)
{
    ddad_gpu_allreduce_sum_double((ddad_gpu_comm *)ctx, dev_buf, (size_t)n, stream);
}

extern "C" ddad_gpu_reducer ddad_gpu_comm_reducer(ddad_gpu_comm *c)
{
    ddad_gpu_reducer r = {c->size > 1 ? reducer_fn : NULL, c};
    return r;
}

// NCCL for the emulated job (ddad_emu), so that "nccl" mode (one rank per emulated GPU) and
// the hierarchy with several leaders run here: the collectives the project uses, done by
// MPI among the communicator's ranks on host memory, and enqueued on their stream like
// any other work (so recorded while it is captured, and done at each replay of the graph).
// Only what nccl_comm.cu calls: sum all-reduce, all-gather, init, destroy, abort, errors.
#include "simt_emu.h"   // first: it defines the launch macros

#include <mpi.h>
#include <nccl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ncclComm {
    MPI_Comm mpi;   // rank r here is NCCL rank r
};

namespace {

// A unique id names its creator's world rank and a per-creator sequence number: the
// ranks of a new communicator find one another through MPI_COMM_WORLD with it.
struct emu_id {
    char magic[8];
    int creator, seq;
};

[[noreturn]] void emu_fail(const char *what)
{
    fprintf(stderr, "simt emulator: NCCL stand-in: %s\n", what);
    exit(1);
}

void check_mpi(int rc, const char *call)
{
    if (rc != MPI_SUCCESS) emu_fail(call);
}

bool mpi_type(ncclDataType_t t, MPI_Datatype *m)
{
    switch (t) {
    case ncclFloat32: *m = MPI_FLOAT; return true;
    case ncclFloat64: *m = MPI_DOUBLE; return true;
    case ncclInt32: *m = MPI_INT; return true;
    default: return false;
    }
}

}   // namespace

extern "C" {

ncclResult_t ncclGetVersion(int *version)
{
    *version = NCCL_VERSION_CODE;
    return ncclSuccess;
}

const char *ncclGetErrorString(ncclResult_t result)
{
    return result == ncclSuccess ? "no error" : "an error of the emulated NCCL";
}

ncclResult_t ncclGetUniqueId(ncclUniqueId *unique)
{
    static int seq;
    emu_id id;
    memset(unique, 0, sizeof *unique);
    memcpy(id.magic, "ddademu", 8);
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &id.creator), "MPI_Comm_rank");
    id.seq = seq++;
    memcpy(unique->internal, &id, sizeof id);
    return ncclSuccess;
}

// NCCL rank 0 (the id's creator, as in nccl_comm.cu) collects every rank's world rank and
// sends the list back; then the ranks form their MPI communicator, collective over
// themselves only (the others never call this).
ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId unique, int rank)
{
    ddad_emu_no_capture("ncclCommInitRank");
    emu_id id;
    memcpy(&id, unique.internal, sizeof id);
    if (memcmp(id.magic, "ddademu", 8) != 0 || nranks < 1 || rank < 0 || rank >= nranks) return ncclInvalidArgument;
    int me;
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &me), "MPI_Comm_rank");
    if ((rank == 0) != (me == id.creator)) emu_fail("NCCL rank 0 must be the rank that made the unique id");
    const int tag = 24000 + (id.seq % 1000) * 2;
    int *world = (int *)malloc(sizeof(int) * (size_t)nranks);
    if (!world) emu_fail("out of memory");
    if (rank == 0) {
        world[0] = me;
        for (int i = 1; i < nranks; i++) {
            int who[2];   // world rank, NCCL rank
            check_mpi(MPI_Recv(who, 2, MPI_INT, MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
            if (who[1] < 1 || who[1] >= nranks) emu_fail("an NCCL rank out of range");
            world[who[1]] = who[0];
        }
        for (int i = 1; i < nranks; i++)
            check_mpi(MPI_Send(world, nranks, MPI_INT, world[i], tag + 1, MPI_COMM_WORLD), "MPI_Send");
    } else {
        int who[2] = {me, rank};
        check_mpi(MPI_Send(who, 2, MPI_INT, id.creator, tag, MPI_COMM_WORLD), "MPI_Send");
        check_mpi(MPI_Recv(world, nranks, MPI_INT, id.creator, tag + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                  "MPI_Recv");
    }
    MPI_Group all, mine;
    ncclComm_t c = new ncclComm;
    check_mpi(MPI_Comm_group(MPI_COMM_WORLD, &all), "MPI_Comm_group");
    check_mpi(MPI_Group_incl(all, nranks, world, &mine), "MPI_Group_incl");
    check_mpi(MPI_Comm_create_group(MPI_COMM_WORLD, mine, tag, &c->mpi), "MPI_Comm_create_group");
    check_mpi(MPI_Group_free(&mine), "MPI_Group_free");
    check_mpi(MPI_Group_free(&all), "MPI_Group_free");
    free(world);
    *comm = c;
    return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm)
{
    ddad_emu_no_capture("ncclCommDestroy");
    check_mpi(MPI_Comm_free(&comm->mpi), "MPI_Comm_free");
    delete comm;
    return ncclSuccess;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) { return ncclCommDestroy(comm); }

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *async_error)
{
    (void)comm;
    *async_error = ncclSuccess;   // every collective is done when enqueued, or at its replay
    return ncclSuccess;
}

ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,
                           ncclComm_t comm, cudaStream_t stream)
{
    MPI_Datatype t;
    if (op != ncclSum || !mpi_type(datatype, &t) || count > 0x7FFFFFFF) return ncclInvalidArgument;
    MPI_Comm mpi = comm->mpi;
    ddad_emu_enqueue(stream, "ncclAllReduce", [=]() {
        check_mpi(MPI_Allreduce(sendbuff == recvbuff ? MPI_IN_PLACE : sendbuff, recvbuff, (int)count, t, MPI_SUM, mpi),
                  "MPI_Allreduce");
    });
    return ncclSuccess;
}

ncclResult_t ncclAllGather(const void *sendbuff, void *recvbuff, size_t sendcount, ncclDataType_t datatype,
                           ncclComm_t comm, cudaStream_t stream)
{
    MPI_Datatype t;
    if (!mpi_type(datatype, &t) || sendcount > 0x7FFFFFFF) return ncclInvalidArgument;
    MPI_Comm mpi = comm->mpi;
    int rank, size;
    check_mpi(MPI_Comm_rank(mpi, &rank), "MPI_Comm_rank");
    check_mpi(MPI_Type_size(t, &size), "MPI_Type_size");
    // NCCL's in-place form (sendbuff at this rank's slot of recvbuff) is MPI_IN_PLACE
    const bool in_place = sendbuff == (const char *)recvbuff + (size_t)rank * sendcount * (size_t)size;
    ddad_emu_enqueue(stream, "ncclAllGather", [=]() {
        check_mpi(MPI_Allgather(in_place ? MPI_IN_PLACE : sendbuff, (int)sendcount, t, recvbuff, (int)sendcount, t, mpi),
                  "MPI_Allgather");
    });
    return ncclSuccess;
}

}   // extern "C"

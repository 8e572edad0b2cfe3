// GPU discovery, rank-to-device placement and the counted device allocator.
#include "cuda/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/c_api.h"
#include "cuda/cuda_check.h"
#include "cuda/gpu_group.h"

static size_t g_live_bytes, g_peak_bytes;

extern "C" int ddad_gpu_count(void)
{
    int n = 0;
    cudaError_t rc = cudaGetDeviceCount(&n);
    if (rc != cudaSuccess) {
        (void)cudaGetLastError();   // clear the sticky "no device" state
        return 0;
    }
    return n;
}

extern "C" void ddad_gpu_describe(char *buf, size_t n)
{
    int count = 0;
    cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess) {
        (void)cudaGetLastError();
        snprintf(buf, n, "no GPU visible: %s", cudaGetErrorString(rc));
        return;
    }
    if (count == 0) {
        snprintf(buf, n, "no GPU visible: 0 devices");
        return;
    }
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
        (void)cudaGetLastError();
        snprintf(buf, n, "%d GPU(s), properties unreadable", count);
        return;
    }
    snprintf(buf, n, "%d GPU(s); device 0: %s, sm_%d%d, %.1f GiB", count, p.name, p.major, p.minor,
             (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
}

extern "C" int ddad_gpu_device_for(int local_rank, int n_devices)
{
    return n_devices > 0 ? local_rank % n_devices : -1;
}

static ddad_gpu_placement g_last_placement;
static int g_have_placement = 0;

extern "C" const ddad_gpu_placement *ddad_gpu_last_placement(void)
{
    return g_have_placement ? &g_last_placement : NULL;
}

extern "C" int ddad_gpu_place(MPI_Comm world, ddad_gpu_placement *pl)
{
    g_have_placement = 0;
    memset(pl, 0, sizeof *pl);
    pl->device = -1;
    int rank;
    DDAD_CHECK_MPI(MPI_Comm_rank(world, &rank));
    MPI_Comm node;
    DDAD_CHECK_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    DDAD_CHECK_MPI(MPI_Comm_rank(node, &pl->local_rank));
    DDAD_CHECK_MPI(MPI_Comm_size(node, &pl->local_size));
    pl->n_devices = ddad_gpu_count();
    // Every rank of the node must agree on the device count, or the placement is ambiguous.
    int min_dev = 0, max_dev = 0;
    DDAD_CHECK_MPI(MPI_Allreduce(&pl->n_devices, &min_dev, 1, MPI_INT, MPI_MIN, node));
    DDAD_CHECK_MPI(MPI_Allreduce(&pl->n_devices, &max_dev, 1, MPI_INT, MPI_MAX, node));
    if (min_dev != max_dev)
        ddad_fatal(DDAD_EXIT_RUNTIME,
                   "ranks on one node see different GPU counts (%d to %d): set CUDA_VISIBLE_DEVICES the same for "
                   "every rank of a node, or bind one GPU to each rank",
                   min_dev, max_dev);
    if (pl->n_devices == 0) {
        DDAD_CHECK_MPI(MPI_Comm_free(&node));
        return -1;
    }
    pl->device = ddad_gpu_device_for(pl->local_rank, pl->n_devices);
    DDAD_CHECK_CUDA(cudaSetDevice(pl->device));
    cudaDeviceProp p;
    DDAD_CHECK_CUDA(cudaGetDeviceProperties(&p, pl->device));
    // Which local ranks share this GPU: by its UUID, since with one GPU bound to each rank
    // every rank sees device 0 (gpu_group.h). All ranks of the node have a GPU here.
    unsigned char *uuids = (unsigned char *)ddad_malloc((size_t)pl->local_size * DDAD_GPU_UUID_BYTES, "GPU UUIDs");
    static_assert(sizeof p.uuid.bytes == DDAD_GPU_UUID_BYTES, "cudaUUID_t is 16 bytes");
    DDAD_CHECK_MPI(MPI_Allgather(p.uuid.bytes, DDAD_GPU_UUID_BYTES, MPI_BYTE, uuids, DDAD_GPU_UUID_BYTES, MPI_BYTE,
                                 node));
    DDAD_CHECK_MPI(MPI_Comm_free(&node));
    pl->gpu_group = ddad_gpu_group(uuids, pl->local_size, pl->local_rank, &pl->sharing);
    pl->device_leader = pl->gpu_group == pl->local_rank;
    free(uuids);
    snprintf(pl->name, sizeof pl->name, "%s", p.name);
    pl->total_mem = p.totalGlobalMem;
    log_all("GPU %d of %d (%s, sm_%d%d, %.0f GiB), local rank %d, %d rank(s) on this device", pl->device,
            pl->n_devices, p.name, p.major, p.minor, (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0),
            pl->local_rank, pl->sharing);
    g_last_placement = *pl;
    g_have_placement = 1;
    return 0;
}

extern "C" void *ddad_gpu_malloc(size_t bytes, const char *what)
{
    void *p = NULL;
    if (bytes == 0) bytes = 16;
    cudaError_t rc = cudaMalloc(&p, bytes);
    if (rc != cudaSuccess) {
        (void)cudaGetLastError();
        size_t free_b = 0, total_b = 0;
        (void)cudaMemGetInfo(&free_b, &total_b);
        ddad_fatal(DDAD_EXIT_RUNTIME,
                   "cannot allocate %.1f MiB of GPU memory for %s (%s; %.1f MiB free of %.1f): free the GPU of "
                   "other processes (nvidia-smi lists them), run fewer ranks per GPU, or lower Solver.bs (members) "
                   "or RefineSolver.bs; then rerun with --resume to keep the finished stages",
                   (double)bytes / 1048576.0, what, cudaGetErrorString(rc), (double)free_b / 1048576.0,
                   (double)total_b / 1048576.0);
    }
    g_live_bytes += bytes;
    if (g_live_bytes > g_peak_bytes) g_peak_bytes = g_live_bytes;
    return p;
}

extern "C" void ddad_gpu_free(void *p, size_t bytes)
{
    if (!p) return;
    DDAD_CHECK_CUDA(cudaFree(p));
    if (bytes == 0) bytes = 16;
    g_live_bytes = g_live_bytes >= bytes ? g_live_bytes - bytes : 0;
}

extern "C" size_t ddad_gpu_peak_bytes(void) { return g_peak_bytes; }
extern "C" void ddad_gpu_reset_peak(void) { g_peak_bytes = g_live_bytes; }

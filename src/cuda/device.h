/* GPU discovery and placement.
 *
 * Placement: each rank takes GPU (local rank mod device count), the local rank coming from
 * an MPI_COMM_TYPE_SHARED split of the world communicator. Ranks beyond the device count
 * share GPUs; see docs/GPU.md for how the collectives handle that. */
#ifndef DDAD_CUDA_DEVICE_H
#define DDAD_CUDA_DEVICE_H

#include <mpi.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices; 0 when none is visible or the driver is missing
 * (cudaGetDeviceCount failing is "no GPU", never an error). Never ends the job. */
int ddad_gpu_count(void);

/* One line describing why no GPU is visible (driver message), or the devices found. */
void ddad_gpu_describe(char *buf, size_t n);

typedef struct {
    int device;          /* CUDA device ordinal this rank uses, -1 when none */
    int local_rank;      /* rank within the node (MPI_COMM_TYPE_SHARED) */
    int local_size;
    int n_devices;       /* devices visible on this node */
    int sharing;         /* ranks on this node that use the same physical GPU (1 = exclusive) */
    int device_leader;   /* 1 when this rank is the lowest local rank on its GPU */
    int gpu_group;       /* that lowest local rank: equal on the ranks that share a GPU, which
                            the device ordinal is not when each rank has its own GPU bound
                            (every rank then sees device 0) */
    char name[256];      /* device name */
    size_t total_mem;
} ddad_gpu_placement;

/* Computes the placement (collective over world) and, when a GPU is visible, makes it this
 * thread's current device. Logs one line per rank naming the device. Returns 0 with a
 * device, -1 when no GPU is visible (placement->device = -1, nothing else happens). */
int ddad_gpu_place(MPI_Comm world, ddad_gpu_placement *placement);

/* The placement the last ddad_gpu_place of this process computed; NULL before the first
 * or when it found no GPU. */
const ddad_gpu_placement *ddad_gpu_last_placement(void);

/* The device ordinal for local rank r with n visible devices: r mod n. */
int ddad_gpu_device_for(int local_rank, int n_devices);

/* Peak device memory this process has had allocated through ddad's allocator, in bytes,
 * since the start or the last ddad_gpu_reset_peak (which sets it to what is allocated now).
 * It leaves out the CUDA context itself and the libraries' own allocations. */
size_t ddad_gpu_peak_bytes(void);
void ddad_gpu_reset_peak(void);
/* cudaMalloc with a fatal error naming `what` and the size on failure; counted for the peak. */
void *ddad_gpu_malloc(size_t bytes, const char *what);
void ddad_gpu_free(void *p, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif

#include "cuda/loss_ring.h"

#include "cuda/cuda_check.h"
#include "cuda/nccl_comm.h"

void ddad_loss_ring_init(ddad_loss_ring *r, int width, ddad_gpu_comm *comm)
{
    r->width = width;
    r->comm = comm;
    r->head = r->count = 0;
    DDAD_CHECK_CUDA(cudaHostAlloc((void **)&r->pinned, DDAD_GPU_LOSS_RING * (size_t)width * sizeof(float),
                                  cudaHostAllocDefault));
    for (int i = 0; i < DDAD_GPU_LOSS_RING; i++)
        DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&r->ev[i], cudaEventDisableTiming));
}

void ddad_loss_ring_free(ddad_loss_ring *r)
{
    for (int i = 0; i < DDAD_GPU_LOSS_RING; i++) DDAD_CHECK_CUDA(cudaEventDestroy(r->ev[i]));
    DDAD_CHECK_CUDA(cudaFreeHost(r->pinned));
    r->pinned = NULL;
}

void ddad_loss_ring_record(ddad_loss_ring *r, const float *d_values, int64_t step, cudaStream_t stream)
{
    if (r->count == DDAD_GPU_LOSS_RING) {
        /* full: the oldest reading is dropped once it has landed (rarely: poll more often) */
        ddad_gpu_comm_wait_event(r->comm, r->ev[r->head]);
        r->head = (r->head + 1) % DDAD_GPU_LOSS_RING;
        r->count--;
    }
    int slot = (r->head + r->count) % DDAD_GPU_LOSS_RING;
    DDAD_CHECK_CUDA(cudaMemcpyAsync(r->pinned + (size_t)slot * r->width, d_values, (size_t)r->width * sizeof(float),
                                    cudaMemcpyDeviceToHost, stream));
    DDAD_CHECK_CUDA(cudaEventRecord(r->ev[slot], stream));
    r->step[slot] = step;
    r->count++;
}

int ddad_loss_ring_poll(ddad_loss_ring *r, int wait, ddad_loss_reading *out)
{
    if (r->count == 0) return 0;
    if (wait)
        ddad_gpu_comm_wait_event(r->comm, r->ev[r->head]);   /* cudaEventSynchronize without NCCL */
    else if (!ddad_gpu_event_done(r->ev[r->head]))
        return 0;
    const float *v = r->pinned + (size_t)r->head * r->width;
    out->step = r->step[r->head];
    out->loss = v[0];
    out->rec_err = r->width > 1 ? v[1] : 0.0f;
    r->head = (r->head + 1) % DDAD_GPU_LOSS_RING;
    r->count--;
    return 1;
}

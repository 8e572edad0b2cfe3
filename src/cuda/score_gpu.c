#include "cuda/score_gpu.h"

#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "cuda/ae_gpu.h"
#include "cuda/batch_gpu.h"
#include "cuda/cuda_check.h"
#include "cuda/device.h"
#include "cuda/gpu_chunk.h"
#include "cuda/gpu_ctx.h"
#include "cuda/maps_gpu.h"
#include "cuda/nccl_comm.h"

/* A chunk holds at most 2^20 pixels (256 images at 64x64, 16 at 256x256): each member's
 * activations (about 32 floats per pixel) then stay near 128 MiB at any image size. */
#define SCORE_GPU_MAX_PIXELS ((size_t)1 << 20)
#define SCORE_GPU_MAX_CHUNK 256

struct ddad_score_gpu {
    ddad_gpu_ctx *ctx;
    ddad_gpu_comm *comm;
    cudaEvent_t gathered;  /* after a chunk's gather: waited on with NCCL's error checks */
    int rank, size;
    int n_local, n_members, K, C, chunk, slots;   /* slots: members per rank, padded */
    size_t hw;
    ddad_ae_gpu **nets;
    uint8_t *d_images;
    int64_t *d_index;      /* 0 .. n-1: the gather kernel's index list */
    float *d_x;            /* [chunk][hw] normalised */
    float *d_local;        /* [slots][chunk * C * hw] */
    float *d_gathered;     /* [size][slots][chunk * C * hw] */
    float *d_all;          /* [2K][chunk * C * hw], member order (rank 0) */
    float *d_maps[3];      /* [chunk][hw] (rank 0) */
    size_t images_bytes, index_bytes, x_bytes, local_bytes, gathered_bytes, all_bytes, map_bytes;
};

ddad_score_gpu *ddad_score_gpu_create(const ddad_score_gpu_spec *s)
{
    ddad_score_gpu *g = ddad_calloc(1, sizeof *g, "GPU score stage");
    DDAD_CHECK_MPI(MPI_Comm_rank(s->world, &g->rank));
    DDAD_CHECK_MPI(MPI_Comm_size(s->world, &g->size));
    g->ctx = ddad_gpu_ctx_create(s->tf32 ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
    if (g->size > 1) {
        const ddad_gpu_placement *pl = ddad_gpu_last_placement();
        if (!pl) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU score stage: no GPU placement (ddad_gpu_place was not run)");
        g->comm = ddad_gpu_comm_create(s->world, pl);
        DDAD_CHECK_CUDA(cudaEventCreateWithFlags(&g->gathered, cudaEventDisableTiming));
    }
    g->n_local = s->n_local;
    g->n_members = s->n_members;
    g->K = s->K;
    g->slots = (s->n_members + g->size - 1) / g->size;
    g->hw = (size_t)s->img_size * (size_t)s->img_size;
    g->C = s->channels;
    size_t per_image = (size_t)g->C * g->hw;
    g->chunk = ddad_gpu_chunk(SCORE_GPU_MAX_CHUNK, SCORE_GPU_MAX_PIXELS / g->hw, (size_t)s->n);

    g->nets = ddad_calloc((size_t)(s->n_local ? s->n_local : 1), sizeof *g->nets, "GPU members");
    for (int i = 0; i < s->n_local; i++) {
        g->nets[i] = ddad_ae_gpu_create(g->ctx, ddad_ae_get_shape(s->local[i]), g->chunk, 0);
        ddad_ae_gpu_upload(g->nets[i], ddad_ae_paramset(s->local[i]));
        ddad_ae_gpu_freeze(g->nets[i]);
    }

    g->images_bytes = (size_t)s->n * g->hw;
    g->d_images = ddad_gpu_malloc(g->images_bytes, "the test set on the GPU");
    ddad_gpu_upload(g->ctx, g->d_images, s->images, g->images_bytes);
    g->index_bytes = sizeof(int64_t) * (size_t)s->n;
    int64_t *index = ddad_malloc(g->index_bytes, "test image index");
    for (int64_t i = 0; i < s->n; i++) index[i] = i;
    g->d_index = ddad_gpu_malloc(g->index_bytes, "test image index on the GPU");
    ddad_gpu_upload(g->ctx, g->d_index, index, g->index_bytes);
    free(index);

    size_t member_floats = (size_t)g->chunk * per_image;
    g->x_bytes = sizeof(float) * (size_t)g->chunk * g->hw;
    g->local_bytes = sizeof(float) * member_floats * (size_t)g->slots;
    g->gathered_bytes = g->local_bytes * (size_t)g->size;
    g->d_x = ddad_gpu_malloc(g->x_bytes, "score stage input");
    g->d_local = ddad_gpu_malloc(g->local_bytes, "this rank's member outputs");
    /* padded slots of ranks with fewer members are sent but never read; zero them once so
     * no uninitialised memory travels */
    DDAD_CHECK_CUDA(cudaMemsetAsync(g->d_local, 0, g->local_bytes, g->ctx->stream));
    g->d_gathered = g->size > 1 ? ddad_gpu_malloc(g->gathered_bytes, "gathered member outputs") : NULL;
    if (g->rank == 0) {
        g->all_bytes = sizeof(float) * member_floats * (size_t)g->n_members;
        g->d_all = ddad_gpu_malloc(g->all_bytes, "member outputs in member order");
        g->map_bytes = g->x_bytes;
        for (int k = 0; k < 3; k++) g->d_maps[k] = ddad_gpu_malloc(g->map_bytes, "discrepancy map");
    }
    ddad_gpu_ctx_sync(g->ctx);
    return g;
}

int ddad_score_gpu_chunk_size(const ddad_score_gpu *g) { return g->chunk; }

void ddad_score_gpu_chunk(ddad_score_gpu *g, int64_t s, int nb, float *rec, float *intra, float *inter)
{
    if (nb < 1 || nb > g->chunk) ddad_fatal(DDAD_EXIT_RUNTIME, "GPU score stage: chunk of %d outside 1..%d", nb, g->chunk);
    cudaStream_t st = g->ctx->stream;
    /* this chunk's members are packed at nb images each: the gather moves no padding */
    const size_t count = (size_t)nb * (size_t)g->C * g->hw;
    ddad_gather_batch_gpu(g->ctx, g->d_images, g->hw, g->d_index + s, NULL, nb, g->d_x);
    for (int i = 0; i < g->n_local; i++) ddad_ae_gpu_forward(g->nets[i], g->d_x, nb, 0, g->d_local + (size_t)i * count);

    /* rank r holds members r, r + size, ...: its slot i is member r + i * size */
    const float *gathered = g->d_local;
    if (g->comm) {
        ddad_gpu_allgather_float(g->comm, g->d_local, (size_t)g->slots * count, g->d_gathered, st);
        gathered = g->d_gathered;
        /* a gather whose peer failed never completes: wait polling NCCL's error state
         * (a plain stream synchronisation would hang the job) */
        DDAD_CHECK_CUDA(cudaEventRecord(g->gathered, st));
        ddad_gpu_comm_wait_event(g->comm, g->gathered);
    }
    if (g->rank != 0) return;
    for (int m = 0; m < g->n_members; m++) {
        const float *src = gathered + ((size_t)(m % g->size) * (size_t)g->slots + (size_t)(m / g->size)) * count;
        DDAD_CHECK_CUDA(cudaMemcpyAsync(g->d_all + (size_t)m * count, src, count * sizeof(float),
                                        cudaMemcpyDeviceToDevice, st));
    }
    ddad_discrepancy_maps_gpu(g->ctx, g->d_all, g->K, g->C, nb, g->hw, g->d_x, g->d_maps[0], g->d_maps[1],
                              g->d_maps[2]);
    float *host[3] = {rec, intra, inter};
    for (int k = 0; k < 3; k++)
        DDAD_CHECK_CUDA(cudaMemcpyAsync(host[k], g->d_maps[k], sizeof(float) * (size_t)nb * g->hw,
                                        cudaMemcpyDeviceToHost, st));
    ddad_gpu_ctx_sync(g->ctx);
}

void ddad_score_gpu_free(ddad_score_gpu *g)
{
    if (!g) return;
    ddad_gpu_ctx_sync(g->ctx);
    for (int i = 0; i < g->n_local; i++) ddad_ae_gpu_free(g->nets[i]);
    free(g->nets);
    if (g->comm) {
        DDAD_CHECK_CUDA(cudaEventDestroy(g->gathered));
        ddad_gpu_comm_free(g->comm);
    }
    ddad_gpu_free(g->d_images, g->images_bytes);
    ddad_gpu_free(g->d_index, g->index_bytes);
    ddad_gpu_free(g->d_x, g->x_bytes);
    ddad_gpu_free(g->d_local, g->local_bytes);
    ddad_gpu_free(g->d_gathered, g->gathered_bytes);
    ddad_gpu_free(g->d_all, g->all_bytes);
    for (int k = 0; k < 3; k++) ddad_gpu_free(g->d_maps[k], g->map_bytes);
    ddad_gpu_ctx_free(g->ctx);
    free(g);
}

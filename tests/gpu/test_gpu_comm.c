/* GPU collectives under MPI (run with 2 or more ranks): all-reduce of floats and doubles,
 * all-gather, and synchronised-BatchNorm data parallelism — the refiner's gradients from
 * ranks that each hold part of the batch, summed over the communicator, equal the CPU
 * gradients of the whole batch on one process. On one GPU this exercises the hierarchy
 * (ranks sharing a device); with one rank per GPU, plain NCCL. */
#include <mpi.h>

#include "gpu_test.h"

#include "core/log.h"
#include "cuda/gpu_ctx.h"
#include "cuda/nccl_comm.h"
#include "cuda/refine_gpu.h"
#include "model/refine.h"

static float *rank_data(int rank, size_t n, int salt)
{
    ddad_rng r;
    ddad_rng_init(&r, 99, 0, (uint32_t)rank, DDAD_RNG_TEST, (uint64_t)salt);
    float *p = host_zeros(n);
    for (size_t i = 0; i < n; i++) p[i] = ddad_rng_uniformf(&r) * 2.0f - 1.0f;
    return p;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ddad_log_init(rank, size);
    int ngpu = ddad_gpu_count(), min_gpu = 0;
    MPI_Allreduce(&ngpu, &min_gpu, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (min_gpu == 0) {
        if (rank == 0) gpu_test_skip("test_gpu_comm");
        MPI_Finalize();
        return DDAD_TEST_SKIP;
    }
    gpu_test_skip("test_gpu_comm");
    ddad_gpu_placement pl;
    ddad_gpu_place(MPI_COMM_WORLD, &pl);
    ddad_gpu_ctx *ctx = ddad_gpu_ctx_create(DDAD_PREC_FP32);
    ddad_gpu_comm *comm = ddad_gpu_comm_create(MPI_COMM_WORLD, &pl);
    if (rank == 0) printf(" %d ranks, mode %s\n", size, ddad_gpu_comm_mode(comm));

    // All-reduce and all-gather against sums computed from every rank's (reproducible) data.
    const size_t n = 100003;
    float *want = host_zeros(n), *gather_want = host_zeros(n * size);
    for (int r = 0; r < size; r++) {
        float *d = rank_data(r, n, 0);
        for (size_t i = 0; i < n; i++) want[i] += d[i];
        memcpy(gather_want + (size_t)r * n, d, n * sizeof(float));
        free(d);
    }
    float *mine = rank_data(rank, n, 0), *d_buf = dev_upload(mine, n), *d_all = dev_poisoned(n * size);
    ddad_gpu_allgather_float(comm, d_buf, n, d_all, ctx->stream);
    ddad_gpu_allreduce_sum_float(comm, d_buf, n, ctx->stream);
    if (rank == 0) {
        check_dev("all-reduce float", d_buf, want, n, 1e-6);
        check_dev("all-gather float (bitwise)", d_all, gather_want, n * size, 0.0);
    }
    double *hd = (double *)malloc(n * sizeof(double)), *d_d = (double *)dev_alloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) hd[i] = (double)mine[i];
    DDAD_CHECK_CUDA(cudaMemcpy(d_d, hd, n * sizeof(double), cudaMemcpyHostToDevice));
    dev_sync();
    ddad_gpu_allreduce_sum_double(comm, d_d, n, ctx->stream);
    DDAD_CHECK_CUDA(cudaStreamSynchronize(ctx->stream));
    dev_sync();   /* the context streams do not order the default one */
    DDAD_CHECK_CUDA(cudaMemcpy(hd, d_d, n * sizeof(double), cudaMemcpyDeviceToHost));
    float *hf = host_zeros(n);
    for (size_t i = 0; i < n; i++) hf[i] = (float)hd[i];
    if (rank == 0) check_scalar("all-reduce double", rel_err(hf, want, n), 0.0, 1e-6);

    // Data-parallel refiner with synchronised BatchNorm: 2 samples per rank.
    const int H = 32, C = 2, local = 2, global = local * size;
    const size_t hw = (size_t)H * H, per = (size_t)C * hw;
    float *in = rank_data(1000, (size_t)global * per, 1);
    for (size_t i = 0; i < (size_t)global * per; i++) in[i] = 0.25f * (in[i] + 1.0f);
    uint8_t *t = (uint8_t *)malloc(global * hw);
    for (int i = 0; i < global; i++)
        for (size_t p = 0; p < hw; p++) t[i * hw + p] = (i % 2) && (p / H) > 8 && (p / H) < 20;
    ddad_refine *cpu = ddad_refine_create(C, H, H, global, 1);
    ddad_refine_init(cpu, 21);
    float loss = ddad_refine_forward_backward(cpu, in, t, global, global, NULL);
    ddad_paramset *ps = ddad_refine_paramset(cpu);
    ddad_refine_gpu *gpu = ddad_refine_gpu_create(ctx, C, H, H, local, 1);
    ddad_refine_gpu_upload(gpu, ps);
    float *d_in = dev_upload(in + (size_t)rank * local * per, (size_t)local * per);
    uint8_t *d_t = (uint8_t *)dev_alloc(local * hw);
    DDAD_CHECK_CUDA(cudaMemcpy(d_t, t + (size_t)rank * local * hw, local * hw, cudaMemcpyHostToDevice));
    dev_sync();
    ddad_gpu_reducer red = ddad_gpu_comm_reducer(comm);
    ddad_refine_gpu_forward_backward(gpu, d_in, d_t, local, global, &red);
    ddad_gpu_allreduce_sum_float(comm, ddad_refine_gpu_grads(gpu), ddad_refine_gpu_n_params(gpu), ctx->stream);
    float part = ddad_gpu_read_float(ctx, ddad_refine_gpu_loss(gpu)), total = 0.0f;
    MPI_Allreduce(&part, &total, 1, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    float *g = dev_download(ddad_refine_gpu_grads(gpu), ps->n_params);
    double worst = 0.0;
    for (int i = 0; i < ps->n_param_desc; i++) {
        const ddad_tensor_desc *d = &ps->param_desc[i];
        double e = rel_err(g + d->offset, ps->grads + d->offset, d->count);
        if (!(e <= worst)) worst = e;
    }
    if (rank == 0) {
        check_scalar("sync-BN refiner: summed loss vs one process", total, loss, 1e-4);
        check_scalar("sync-BN refiner: worst gradient tensor rel err", worst, 0.0, 1e-4);
    }
    int fails = g_failures, any = 0;
    MPI_Allreduce(&fails, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    ddad_refine_gpu_free(gpu);
    ddad_refine_free(cpu);
    ddad_gpu_comm_free(comm);
    ddad_gpu_ctx_free(ctx);
    if (rank == 0) gpu_test_finish("test_gpu_comm");
    MPI_Finalize();
    return any ? 1 : 0;
}

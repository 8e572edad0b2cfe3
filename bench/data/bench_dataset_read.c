/* Reads every image of a dataset file in batches and reports the time:
 *   bench_dataset_read FILE.h5 [batch] [independent]
 * (under mpirun each rank reads its share; collective MPI-IO unless 'independent') */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "data/dataset.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dataset_read FILE.h5 [batch] [independent]\n");
        return 2;
    }
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int64_t batch = argc > 2 ? atoll(argv[2]) : 64;
    ddad_error err = {0};
    double t0 = ddad_now();
    ddad_dataset *d = ddad_dataset_open(argv[1], argc > 3 ? MPI_COMM_NULL : MPI_COMM_WORLD, &err);
    if (!d) ddad_fatal_error(&err);
    const ddad_dataset_info info = *ddad_dataset_get_info(d), *in = &info;
    double t_open = ddad_now() - t0;
    size_t px = (size_t)in->img_size * (size_t)in->img_size;
    uint8_t *buf = ddad_malloc(px * (size_t)batch, "batch");
    int64_t images = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        int64_t per = (in->count[s] + size - 1) / size, lo = per * rank;
        int64_t hi = lo + per < in->count[s] ? lo + per : in->count[s];
        if (lo > hi) lo = hi;
        int64_t steps = (per + batch - 1) / batch;   /* the same number of calls on every rank */
        for (int64_t k = 0; k < steps; k++) {
            int64_t a = lo + k * batch < hi ? lo + k * batch : hi;
            int64_t n = hi - a < batch ? hi - a : batch;
            if (ddad_dataset_read_images(d, s, a, n, buf, &err) < 0) ddad_fatal_error(&err);
            images += n;
        }
    }
    ddad_dataset_close(d);
    double el = ddad_now() - t0;
    double worst = 0;
    MPI_Reduce(&el, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    int64_t all = 0;
    MPI_Reduce(&images, &all, 1, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %lld images of %dx%d read by %d rank(s) (%s) in batches of %lld: %.3f s (open %.3f s; %.0f MB/s)\n",
               argv[1], (long long)all, in->img_size, in->img_size, size, argc > 3 ? "independent" : "collective",
               (long long)batch, worst, t_open,
               all * px / 1e6 / worst);
    free(buf);
    MPI_Finalize();
    return 0;
}

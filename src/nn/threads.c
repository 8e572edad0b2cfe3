#include "nn/threads.h"

#include <cblas.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef DDAD_WITH_OPENMP
#include <omp.h>
#endif

static int nn_threads = 0;

void ddad_nn_single_blas_pool(char **argv)
{
    if (getenv("OPENBLAS_NUM_THREADS") || !argv || !argv[0]) return;
    if (setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc, say): carry on with the pool */
}

void ddad_nn_set_threads(int n)
{
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (int)cores : 1;
    }
    nn_threads = n;
    /* ddad_sgemm splits the work over OpenMP threads itself; each BLAS call is serial */
    openblas_set_num_threads(1);
#ifdef DDAD_WITH_OPENMP
    omp_set_num_threads(n);
#endif
}

/* Serial BLAS even before anyone calls ddad_nn_set_threads; and one level of OpenMP
 * parallelism: the kernels' inner parallel loops run serially inside the chunk-parallel
 * loops of the convolutions (im2col.h). */
__attribute__((constructor)) static void serial_blas(void)
{
    openblas_set_num_threads(1);
#ifdef DDAD_WITH_OPENMP
    omp_set_max_active_levels(1);
#endif
}

int ddad_nn_thread_num(void)
{
#ifdef DDAD_WITH_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int ddad_nn_get_threads(void)
{
    if (nn_threads > 0) return nn_threads;
#ifdef DDAD_WITH_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

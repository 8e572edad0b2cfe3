/* Thread count for the CPU kernels: OpenBLAS threads and OpenMP threads together.
 * The MPI pipeline runs several ranks per machine and sets 1 thread per rank when
 * ranks >= cores. Every kernel gives bit-identical results for any thread count. */
#ifndef DDAD_NN_THREADS_H
#define DDAD_NN_THREADS_H

/* Call first in main(), with main's argv. OpenBLAS starts its own pthread pool when the
 * library loads, before main, sized by OPENBLAS_NUM_THREADS (default: all cores). ddad
 * runs every BLAS call single-threaded inside its own OpenMP threads, but the idle pool's
 * threads still wake and spin in sched_yield, taking cores from the OpenMP threads
 * (docs/NN.md measures it). When OPENBLAS_NUM_THREADS is unset, this sets it to 1 and
 * re-executes the program, so the pool is never made; if that fails it simply returns. */
void ddad_nn_single_blas_pool(char **argv);

/* n <= 0: one thread per available core. */
void ddad_nn_set_threads(int n);
int ddad_nn_get_threads(void);
/* The calling thread's number in the current OpenMP team (0 outside one). */
int ddad_nn_thread_num(void);

#endif

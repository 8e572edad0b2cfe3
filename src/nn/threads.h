/* Thread count for the CPU kernels: OpenBLAS threads and OpenMP threads together.
 * The MPI pipeline runs several ranks per machine and sets 1 thread per rank when
 * ranks >= cores. Every kernel gives bit-identical results for any thread count. */
#ifndef DDAD_NN_THREADS_H
#define DDAD_NN_THREADS_H

/* n <= 0: one thread per available core. */
void ddad_nn_set_threads(int n);
int ddad_nn_get_threads(void);

#endif

#include "nn/linear.h"

#include <string.h>

#include "nn/gemm.h"

typedef float v16f __attribute__((vector_size(16 * sizeof(float))));

static inline __attribute__((always_inline)) v16f load16(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Output o of samples i .. i+ns-1: b[o] + the dot product in 16 lanes over k, the tail
 * added lane by lane, the lanes reduced in a fixed order. The ns samples share each
 * weight load in ns independent chains; a sample's arithmetic is the same for any ns.
 * Always inlined, so that the callers' constant ns unrolls the sample loops. */
static inline __attribute__((always_inline)) void dot_outputs(int ns, int in, int out, int o, int i, const float *x,
                                                              const float *wr, const float *b, float *y)
{
    /* a fixed size and unrolled loops keep the chains in registers (a variable-length
     * array of 8 vectors lived on the stack) */
    v16f acc[8];
#pragma GCC unroll 8
    for (int s = 0; s < ns; s++) acc[s] = (v16f){0};
    int k = 0;
    for (; k + 16 <= in; k += 16) {
        /* 2 KiB ahead (into the next row at a row's end, past the matrix at its last row,
         * which a prefetch tolerates): the weights stream from memory, and without it the
         * loads waited (12 AE linear layers at 8 samples: 5.9 -> 4.5 ms) */
        __builtin_prefetch(wr + k + 512);
        const v16f wv = load16(wr + k);
#pragma GCC unroll 8
        for (int s = 0; s < ns; s++) acc[s] += wv * load16(x + (size_t)(i + s) * in + k);
    }
    for (int s = 0; s < ns; s++) {
        const float *xr = x + (size_t)(i + s) * in;
        float lanes[16];
        memcpy(lanes, &acc[s], sizeof lanes);
        for (int t = k; t < in; t++) lanes[t % 16] += wr[t] * xr[t];
        float sum = 0.0f;
        for (int l = 0; l < 16; l++) sum += lanes[l];
        y[(size_t)(i + s) * out + o] = b[o] + sum;
    }
}

/* A few samples (the refiner's frozen members run one sample at a time): a GEMM with 1-4
 * rows repacks the whole weight matrix (8 MiB for the AE's 1024 x 2048 layers) on every
 * call. Here each weight row is read once for every 8 samples, and every output is
 * b + a 16-lane dot product summed in a fixed order, whatever n is. */
static void linear_forward_few(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
#pragma omp parallel for schedule(static)
    for (int o = 0; o < out; o++) {
        const float *wr = w + (size_t)o * in;
        int i = 0;
        for (; i + 8 <= n; i += 8) dot_outputs(8, in, out, o, i, x, wr, b, y);
        for (; i + 4 <= n; i += 4) dot_outputs(4, in, out, o, i, x, wr, b, y);
        for (; i < n; i++) dot_outputs(1, in, out, o, i, x, wr, b, y);
    }
}

void ddad_linear_forward_rows(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
    linear_forward_few(n, in, out, x, w, b, y);
}

void ddad_linear_forward(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
    if (n <= DDAD_LINEAR_FEW) {
        linear_forward_few(n, in, out, x, w, b, y);
        return;
    }
    for (int i = 0; i < n; i++) memcpy(y + (size_t)i * out, b, sizeof(float) * out);
    ddad_sgemm(0, 1, n, out, in, 1.0f, x, in, w, in, 1.0f, y, out);
}

void ddad_linear_backward(int n, int in, int out, const float *x, const float *w, const float *dy, float *dx,
                          float *dw, float *db)
{
#pragma omp parallel for schedule(static)
    for (int o = 0; o < out; o++) {
        double acc = 0.0;
        for (int i = 0; i < n; i++) acc += dy[(size_t)i * out + o];
        db[o] = (float)acc;
    }
    ddad_sgemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
    if (dx) ddad_sgemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
}

#include "nn/linear.h"

#include <string.h>

#include "nn/gemm.h"

typedef float v16f __attribute__((vector_size(16 * sizeof(float))));

/* A few samples (the refiner's frozen members run one sample at a time): a GEMM with 1-4
 * rows repacks the whole weight matrix (8 MiB for the AE's 1024 x 2048 layers) on every
 * call. Here each weight row is read once for all samples, and every output is
 * b + a 16-lane dot product summed in a fixed order, whatever n is. */
/* One output of one sample: b + the dot product in 16 lanes, reduced in a fixed order. */
static inline __attribute__((always_inline)) float finish_dot(v16f acc, const float *wr, const float *xr, int k, int in, float bias)
{
    float lanes[16];
    memcpy(lanes, &acc, sizeof lanes);
    for (; k < in; k++) lanes[k % 16] += wr[k] * xr[k];
    float sum = 0.0f;
    for (int l = 0; l < 16; l++) sum += lanes[l];
    return bias + sum;
}

static inline __attribute__((always_inline)) v16f load16(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void linear_forward_few(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
#pragma omp parallel for schedule(static)
    for (int o = 0; o < out; o++) {
        const float *wr = w + (size_t)o * in;
        int i = 0;
        /* four samples share each weight load, in four independent chains; a sample's
         * arithmetic is the same as alone */
        for (; i + 4 <= n; i += 4) {
            const float *x0 = x + (size_t)i * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
            v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            int k = 0;
            for (; k + 16 <= in; k += 16) {
                const v16f wv = load16(wr + k);
                a0 += wv * load16(x0 + k);
                a1 += wv * load16(x1 + k);
                a2 += wv * load16(x2 + k);
                a3 += wv * load16(x3 + k);
            }
            y[(size_t)i * out + o] = finish_dot(a0, wr, x0, k, in, b[o]);
            y[(size_t)(i + 1) * out + o] = finish_dot(a1, wr, x1, k, in, b[o]);
            y[(size_t)(i + 2) * out + o] = finish_dot(a2, wr, x2, k, in, b[o]);
            y[(size_t)(i + 3) * out + o] = finish_dot(a3, wr, x3, k, in, b[o]);
        }
        for (; i < n; i++) {
            const float *xr = x + (size_t)i * in;
            v16f acc = {0};
            int k = 0;
            for (; k + 16 <= in; k += 16) acc += load16(wr + k) * load16(xr + k);
            y[(size_t)i * out + o] = finish_dot(acc, wr, xr, k, in, b[o]);
        }
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

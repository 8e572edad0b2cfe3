#include "nn/linear.h"

#include <string.h>

#include "nn/gemm.h"

void ddad_linear_forward(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
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

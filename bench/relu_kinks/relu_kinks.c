/* How often an ulp of input puts a ReLU activation on the other side of its kink, and what
 * one such crossing does to the gradients (docs/GPU.md, "Kernels without a GPU"):
 *
 *   build/bench/bench_relu_kinks [batch] [draws] [unc]      (defaults 16 30 1: AE-U)
 *
 * From one initialisation and one input x (uniform in [-1, 1]), it takes the gradients,
 * then for each draw multiplies every input by 1 +- 6e-8 (signs at random), takes them
 * again, and prints how many BatchNorm + ReLU activations changed side and the largest
 * relative move of a parameter tensor's gradient. The CPU path alone: the GPU's and the
 * CPU's roundings differ by about as much, which is why gpu.models compares the two
 * paths' ReLU sides before their gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/ae.h"

static double rel_move(const float *a, const float *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

/* The side (> 0) of every BatchNorm + ReLU activation of the last forward. */
static unsigned char *relu_sides(const ddad_ae *ae, int n, size_t *total)
{
    size_t count = 0, per;
    for (int l = 0; l < DDAD_AE_N_RELU; l++) {
        ddad_ae_relu_output(ae, l, &per);
        count += (size_t)n * per;
    }
    unsigned char *side = malloc(count);
    if (!side) exit(1);
    size_t k = 0;
    for (int l = 0; l < DDAD_AE_N_RELU; l++) {
        const float *a = ddad_ae_relu_output(ae, l, &per);
        for (size_t i = 0; i < (size_t)n * per; i++) side[k++] = a[i] > 0.0f;
    }
    *total = count;
    return side;
}

int main(int argc, char **argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 16, draws = argc > 2 ? atoi(argv[2]) : 30;
    const int unc = argc > 3 ? atoi(argv[3]) : 1, S = 64;
    if (n < 2 || draws < 1) {
        fprintf(stderr, "usage: bench_relu_kinks [batch >= 2] [draws >= 1] [unc 0|1]\n");
        return 2;
    }
    ddad_ae_shape shape = {.img_size = S, .mp = 1.0, .ls = 16, .unc = unc};
    ddad_ae *ae = ddad_ae_create(&shape, n, 1);
    ddad_paramset *ps = ddad_ae_paramset(ae);
    const size_t nx = (size_t)n * S * S;
    float *x = malloc(nx * sizeof(float)), *x2 = malloc(nx * sizeof(float));
    float *g0 = malloc(ps->n_params * sizeof(float));
    if (!x || !x2 || !g0) return 1;
    ddad_rng rng;
    ddad_rng_init(&rng, 5, 0, 0, DDAD_RNG_TEST, 0);
    for (size_t i = 0; i < nx; i++) x[i] = ddad_rng_uniformf(&rng) * 2.0f - 1.0f;
    ddad_ae_init(ae, 11, DDAD_MOD_NDM, 0);
    ddad_ae_forward_backward(ae, x, n);
    memcpy(g0, ps->grads, ps->n_params * sizeof(float));
    size_t total;
    unsigned char *side0 = relu_sides(ae, n, &total);
    printf("%s, batch %d, %dx%d: %zu ReLU activations, %d draws of inputs times 1 +- 6e-8\n", unc ? "AE-U" : "AE", n, S,
           S, total, draws);
    int with_crossing = 0;
    for (int d = 0; d < draws; d++) {
        for (size_t i = 0; i < nx; i++) x2[i] = x[i] * (1.0f + (ddad_rng_uniformf(&rng) < 0.5f ? 6e-8f : -6e-8f));
        ddad_ae_init(ae, 11, DDAD_MOD_NDM, 0);
        ddad_ae_forward_backward(ae, x2, n);
        unsigned char *side = relu_sides(ae, n, &total);
        size_t crossed = 0;
        for (size_t i = 0; i < total; i++) crossed += side[i] != side0[i];
        free(side);
        double worst = 0.0;
        for (int t = 0; t < ps->n_param_desc; t++) {
            const ddad_tensor_desc *td = &ps->param_desc[t];
            if (!strcmp(td->name, "linear_enc.0.bias") || !strcmp(td->name, "linear_enc.3.bias") ||
                !strcmp(td->name, "linear_dec.0.bias"))
                continue;   // zero in exact arithmetic: rounding noise only (test_gpu_models.c)
            const double m = rel_move(ps->grads + td->offset, g0 + td->offset, td->count);
            if (m > worst) worst = m;
        }
        with_crossing += crossed > 0;
        printf("draw %2d: %zu crossed, largest gradient move %.2e\n", d + 1, crossed, worst);
    }
    printf("%d of %d draws crossed a kink\n", with_crossing, draws);
    free(side0), free(x), free(x2), free(g0);
    ddad_ae_free(ae);
    return 0;
}

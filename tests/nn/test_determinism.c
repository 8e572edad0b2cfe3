/* Bit-identical results for any thread count: OpenBLAS SGEMM (it splits m and n, never k),
 * AE training steps and refiner training steps with 1 and with 2 threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/ae.h"
#include "model/refine.h"
#include "nn/gemm.h"
#include "nn/threads.h"

static void fill(float *p, size_t n, uint64_t seed)
{
    ddad_rng r;
    ddad_rng_init(&r, seed, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 0);
    for (size_t i = 0; i < n; i++) p[i] = 2.0f * ddad_rng_uniformf(&r) - 1.0f;
}

static int gemm_case(int ta, int tb, int m, int n, int k)
{
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
    float *c1 = malloc(sizeof(float) * m * n), *c2 = malloc(sizeof(float) * m * n);
    fill(a, (size_t)m * k, 1);
    fill(b, (size_t)k * n, 2);
    ddad_nn_set_threads(1);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c1, n);
    ddad_nn_set_threads(2);
    ddad_sgemm(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c2, n);
    int same = memcmp(c1, c2, sizeof(float) * m * n) == 0;
    printf("sgemm %c%c %5d x %5d x %6d: %s\n", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
           same ? "bit-identical" : "DIFFERENT");
    free(a);
    free(b);
    free(c1);
    free(c2);
    return !same;
}

static float *ae_run(int threads)
{
    ddad_nn_set_threads(threads);
    ddad_ae_shape sh = {.img_size = 64, .mp = 1, .ls = 16, .unc = 1};
    const int batch = 8;
    ddad_ae *ae = ddad_ae_create(&sh, batch, 1);
    ddad_ae_init(ae, 5, DDAD_MOD_UDM, 1);
    float *x = malloc(sizeof(float) * batch * 64 * 64);
    fill(x, (size_t)batch * 64 * 64, 3);
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 0.0f);
    for (int s = 0; s < 3; s++) ddad_ae_train_step(ae, x, batch, &opt, NULL);
    ddad_paramset *ps = ddad_ae_paramset(ae);
    size_t n = ps->n_params + ps->n_buffers;
    float *out = malloc(sizeof(float) * n);
    memcpy(out, ps->params, sizeof(float) * ps->n_params);
    memcpy(out + ps->n_params, ps->buffers, sizeof(float) * ps->n_buffers);
    free(x);
    ddad_ae_free(ae);
    return out;
}

static float *refine_run(int threads, size_t *count)
{
    ddad_nn_set_threads(threads);
    const int batch = 4, h = 32, w = 32;
    ddad_refine *r = ddad_refine_create(2, h, w, batch, 1);
    ddad_refine_init(r, 9);
    float *x = malloc(sizeof(float) * batch * 2 * h * w);
    uint8_t *t = malloc((size_t)batch * h * w);
    fill(x, (size_t)batch * 2 * h * w, 4);
    for (int i = 0; i < batch * h * w; i++) t[i] = x[i] > 0.3f;
    ddad_adam_cfg opt = ddad_adam_defaults(1e-4f, 1e-4f);
    opt.grad_clip = 0.05f;
    ddad_paramset *ps = ddad_refine_paramset(r);
    for (int s = 0; s < 3; s++) {
        ddad_refine_forward_backward(r, x, t, batch, batch, NULL);
        ddad_adam_step(ps, &opt);
    }
    *count = ps->n_params + ps->n_buffers;
    float *out = malloc(sizeof(float) * *count);
    memcpy(out, ps->params, sizeof(float) * ps->n_params);
    memcpy(out + ps->n_params, ps->buffers, sizeof(float) * ps->n_buffers);
    free(x);
    free(t);
    ddad_refine_free(r);
    return out;
}

int main(void)
{
    int fail = 0;
    fail |= gemm_case(0, 0, 128, 4096, 1152);   /* refiner conv forward */
    fail |= gemm_case(0, 1, 128, 1152, 32768);  /* refiner conv weight gradient */
    fail |= gemm_case(1, 0, 1152, 4096, 128);   /* refiner conv input gradient */
    fail |= gemm_case(0, 1, 32, 256, 16384);    /* AE conv weight gradient */
    fail |= gemm_case(1, 0, 2048, 1024, 64);    /* linear weight gradient */
    fail |= gemm_case(0, 1, 64, 2048, 1024);    /* linear forward */

    ddad_ae_shape sh = {.img_size = 64, .mp = 1, .ls = 16, .unc = 1};
    ddad_ae *probe = ddad_ae_create(&sh, 2, 0);
    size_t n = ddad_ae_paramset(probe)->n_params + ddad_ae_paramset(probe)->n_buffers;
    ddad_ae_free(probe);
    /* 3 threads: an odd team over the chunk-parallel layers (chunks of 3 samples, 8 in all) */
    float *a1 = ae_run(1), *a2 = ae_run(2), *a3 = ae_run(3);
    int same = memcmp(a1, a2, sizeof(float) * n) == 0 && memcmp(a1, a3, sizeof(float) * n) == 0;
    printf("AE-U, 3 train steps, 1 vs 2 vs 3 threads: %s\n", same ? "bit-identical" : "DIFFERENT");
    fail |= !same;
    free(a3);
    size_t m;
    float *r1 = refine_run(1, &m), *r2 = refine_run(2, &m);
    same = memcmp(r1, r2, sizeof(float) * m) == 0;
    printf("refiner, 3 train steps, 1 vs 2 threads: %s\n", same ? "bit-identical" : "DIFFERENT");
    fail |= !same;
    free(a1);
    free(a2);
    free(r1);
    free(r2);
    return fail;
}

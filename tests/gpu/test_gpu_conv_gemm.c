/* The GEMM convolution engine (conv_gemm_gpu.h) against the CPU convolution (src/nn): the
 * forward, data-gradient and filter-gradient operations, each with beta = 0 (output not
 * read: it starts as NaN) and beta != 0 (accumulating), on the AE's 4x4 stride-2 layers,
 * a refiner-like 3x3 layer and odd shapes (non-square, a stride that skips pixels, padding
 * wider than the kernel). On a GPU with cuBLAS, in fp32 and tf32; in the CPU emulator, the
 * kernels and the GEMM calls' layouts (tests/gpu/emu/gemm_emu.cpp is the column-major
 * definition). */
#include "gpu_test.h"

#include "cuda/conv_gemm_gpu.h"
#include "nn/conv2d.h"

/* want = ref + beta * init (elementwise) */
static float *blend(const float *ref, const float *init, float beta, size_t n)
{
    float *out = host_zeros(n);
    for (size_t i = 0; i < n; i++) out[i] = ref[i] + beta * init[i];
    return out;
}

static void test_shape(ddad_gpu_ctx *ctx, double tol, int n, int c, int h, int w, int k, int ks, int st, int pad)
{
    ddad_conv_shape s = ddad_conv_shape_make(n, c, h, w, k, ks, st, pad);
    ddad_conv_geom g = {n, c, h, w, k, ks, ks, st, pad, s.oh, s.ow};
    size_t nx = (size_t)n * c * h * w, nw = (size_t)k * c * ks * ks, ny = (size_t)n * k * s.oh * s.ow;
    float *x = host_rand(nx, -1, 1), *wt = host_rand(nw, -0.3f, 0.3f), *dy = host_rand(ny, -1, 1);
    float *y = host_zeros(ny), *dx = host_zeros(nx), *dw = host_zeros(nw);
    float *cpu_ws = host_zeros(ddad_conv_workspace_floats(&s));
    ddad_conv2d_forward(&s, n, x, wt, NULL, y, cpu_ws);
    ddad_conv2d_backward(&s, n, x, wt, dy, dx, dw, NULL, cpu_ws);
    size_t ws_bytes = 0;
    for (int op = 0; op < 3; op++) {
        size_t b = ddad_conv_gemm_workspace_bytes(&g, op);
        if (b > ws_bytes) ws_bytes = b;
    }
    void *ws = dev_alloc(ws_bytes);
    float *d_x = dev_upload(x, nx), *d_w = dev_upload(wt, nw), *d_dy = dev_upload(dy, ny);
    printf(" conv gemm n%d c%d %dx%d -> k%d %dx%d k%d s%d p%d\n", n, c, h, w, k, s.oh, s.ow, ks, st, pad);
    for (int acc = 0; acc < 2; acc++) {
        const float beta = acc ? 0.5f : 0.0f;
        float *iy = host_rand(ny, -1, 1), *ix = host_rand(nx, -1, 1), *iw = host_rand(nw, -1, 1);
        float *d_y = acc ? dev_upload(iy, ny) : dev_poisoned(ny), *d_dx = acc ? dev_upload(ix, nx) : dev_poisoned(nx);
        float *d_dw = acc ? dev_upload(iw, nw) : dev_poisoned(nw);
        ddad_conv_gemm_forward(ctx, &g, d_x, d_w, d_y, beta, ws);
        ddad_conv_gemm_backward_data(ctx, &g, d_dy, d_w, d_dx, beta, ws);
        ddad_conv_gemm_backward_filter(ctx, &g, d_x, d_dy, d_dw, beta, ws);
        float *wy = blend(y, iy, beta, ny), *wx = blend(dx, ix, beta, nx), *ww = blend(dw, iw, beta, nw);
        char what[64];
        snprintf(what, sizeof what, "forward y (beta %.1f)", beta);
        check_dev(what, d_y, wy, ny, tol);
        snprintf(what, sizeof what, "backward data dx (beta %.1f)", beta);
        check_dev(what, d_dx, wx, nx, tol);
        snprintf(what, sizeof what, "backward filter dw (beta %.1f)", beta);
        check_dev(what, d_dw, ww, nw, tol);
        dev_free(d_y), dev_free(d_dx), dev_free(d_dw);
        free(iy), free(ix), free(iw), free(wy), free(wx), free(ww);
    }
    dev_free(ws), dev_free(d_x), dev_free(d_w), dev_free(d_dy);
    free(x), free(wt), free(dy), free(y), free(dx), free(dw), free(cpu_ws);
}

int main(void)
{
    if (gpu_test_skip("test_gpu_conv_gemm")) return DDAD_TEST_SKIP;
    ddad_gpu_ctx *ctx = test_ctx_create(DDAD_PREC_FP32);
    for (int prec = 0; prec < 2; prec++) {
#ifdef DDAD_CUDA_EMU
        if (prec) break;   // the emulator's GEMM has one precision
#endif
        const double tol = prec ? TOL_TF32 : TOL_FP32;
        test_ctx_set_precision(ctx, prec ? DDAD_PREC_TF32 : DDAD_PREC_FP32);
        printf("precision %s\n", prec ? "tf32" : "fp32");
        test_shape(ctx, tol, 4, 1, 64, 64, 16, 4, 2, 1);    // AE encoder 0
        test_shape(ctx, tol, 4, 16, 32, 32, 32, 4, 2, 1);   // AE encoder 1
        test_shape(ctx, tol, 4, 32, 16, 16, 64, 4, 2, 1);   // AE encoder 2
        test_shape(ctx, tol, 4, 64, 8, 8, 64, 4, 2, 1);     // AE encoder 3
        test_shape(ctx, tol, 2, 8, 16, 16, 8, 3, 1, 1);     // refiner-like 3x3
        test_shape(ctx, tol, 3, 3, 12, 7, 5, 3, 2, 0);      // non-square, no padding
        test_shape(ctx, tol, 1, 2, 9, 9, 3, 2, 3, 0);       // stride > kernel: pixels no patch covers
        test_shape(ctx, tol, 2, 2, 4, 4, 3, 3, 1, 3);       // pad >= kernel: outputs that see only padding
    }
    test_ctx_free(ctx);
    return gpu_test_finish("test_gpu_conv_gemm");
}

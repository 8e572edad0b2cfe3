/* Winograd convolution for 3x3, stride-1, pad-1 layers with many channels, over whole
 * samples with BLAS (DDAD_CONV_WINOGRAD; the refiner's 128 -> 128 layer takes the blocked
 * F(2x2) path of conv_winograd_fused.h on AVX-512 builds). The element-wise products become GEMMs over channels, one per
 * transform position, and each output tile costs fewer multiplies than a direct 3x3.
 *
 * - Forward (what ddad_conv2d uses): F(2x2, 3x3), 4x4 input tiles at stride 2, 16 GEMMs
 *   [K x C] x [C x tiles] per chunk, 2.25x fewer multiplies than direct. Its transforms
 *   have coefficients 0, +-1 and (in G, exactly) 1/2; against a float64 direct
 *   convolution its error is at or below im2col's.
 * - Input gradient: F(4x4, 3x3), 36 GEMMs per chunk, 4x fewer multiplies. Transform
 *   points 0, 1, -1, 2, -1/2 (and infinity): the float32 error is about 1.7e-6 of the
 *   output's largest magnitude for 128 input channels, 2.3x smaller than with the textbook
 *   points 0, +-1, +-2. It is the F(4x4) forward transform applied to dy with the flipped,
 *   channel-swapped kernel. (As the forward pass, F(4x4)'s 2-4x larger error than
 *   im2col's flipped a ReLU in a parity case: docs/NN.md.)
 * - Weight gradient: F(2x2, 3x3) adjoint transforms, per sample 16 GEMMs
 *   [K x tiles] x [tiles x C], transformed back to 3x3 in double and rounded to float,
 *   then summed over samples in double (exactly: the grouping of samples across ranks does
 *   not change a bit). Its error stays near a direct GEMM's.
 *
 * Every result is independent of the thread count (threads split planes, tiles and the
 * GEMMs, never a sum), and with s->chunk = 1 each sample's results are independent of the
 * other samples in the call. */
#ifndef DDAD_NN_CONV_WINOGRAD_H
#define DDAD_NN_CONV_WINOGRAD_H

#include "nn/im2col.h"

/* Whether the Winograd kernels handle this shape (3x3, stride 1, pad 1). */
int ddad_winograd_applies(const ddad_conv_shape *s);

/* Floats of workspace the calls below need for s (chunks of s->chunk samples). */
size_t ddad_winograd_workspace_floats(const ddad_conv_shape *s);

/* y [n][k][h][w] = conv(x, w) (+ b[k] when b is non-NULL), by F(4x4, 3x3) (tests and
 * benchmarks: ddad_conv2d uses ddad_winograd_forward2). */
void ddad_winograd_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                           float *ws);

/* The same by F(2x2, 3x3): the forward pass ddad_conv2d uses for these shapes. */
void ddad_winograd_forward2(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                            float *ws);

/* dx [n][c][h][w] = the input gradient of dy (overwritten). */
void ddad_winograd_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx,
                                 float *ws);

/* dw_sum [k][c][3][3] = the weight gradient over the n samples, in double (overwritten):
 * per sample in float, summed over samples in order in double. */
void ddad_winograd_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *dw_sum,
                                   float *ws);

/* Pieces the fused F(2x2) path (conv_winograd_fused.h) shares:
 * U [16][cout][cin] = G w GT for every kernel of w [cout][cin][3][3], in double, rounded
 * to float (G: F(2x2, 3x3)'s, 4 x 3). */
void ddad_winograd_weights2(int cout, int cin, const float *w, float *u);
/* wflip [c][k][3][3] = w [k][c][3][3] turned by 180 degrees: the input gradient's kernel. */
void ddad_winograd_flip(int k, int c, const float *w, float *wflip);
/* dw (3x3) = GT dU G in double, rounded to float, for the 16 values du[xi * stride]. */
void ddad_winograd_grad_back2(const float *du, size_t stride, float dw[9]);

/* F(2x2, 3x3)'s G (4 x 3). Its entries are 0, +-1/2 and 1, so every product with it is
 * exact, fused into an addition or not. */
static const double ddad_winograd_g2[4][3] = {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};

/* The arithmetic of ddad_winograd_grad_back2, written once for T = double and for vectors
 * of doubles (lanes: channel pairs), so that both give the same bits: DU(xi) is position
 * xi's value as a T, and OUT[i * 3 + q] receives dw[i][q] (still in T). */
#define DDAD_WINOGRAD_GRAD_BACK2(T, DU, OUT)                                                    \
    do {                                                                                        \
        T t_[4][3];                                                                             \
        for (int a_ = 0; a_ < 4; a_++)                                                          \
            for (int q_ = 0; q_ < 3; q_++) {                                                    \
                T acc_ = (T){0};                                                                \
                for (int b_ = 0; b_ < 4; b_++) acc_ += (DU(a_ * 4 + b_)) * ddad_winograd_g2[b_][q_]; \
                t_[a_][q_] = acc_;                                                              \
            }                                                                                   \
        for (int i_ = 0; i_ < 3; i_++)                                                          \
            for (int q_ = 0; q_ < 3; q_++) {                                                    \
                T acc_ = (T){0};                                                                \
                for (int a_ = 0; a_ < 4; a_++) acc_ += ddad_winograd_g2[a_][i_] * t_[a_][q_];   \
                (OUT)[i_ * 3 + q_] = acc_;                                                      \
            }                                                                                   \
    } while (0)

#endif

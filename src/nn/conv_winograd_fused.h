/* F(2x2, 3x3) Winograd convolutions computed block by block (DDAD_CONV_WINOGRAD_FUSED):
 * the refiner's 128 -> 128 layer, forward, input gradient and weight gradient.
 *
 * conv_winograd.c transforms a whole sample (8 MB of tiles for 128 channels at 64x64),
 * multiplies with BLAS and transforms back, so every stage streams its operands through
 * memory, and BLAS packs them once more. Here one thread takes a block of 32 tiles (two
 * runs of 16 along a tile row): it transforms them into its own buffers, multiplies with a
 * register-blocked kernel that reads those buffers as they are laid out, and transforms
 * back, all within its L2 cache.
 *
 * - Forward: the same transforms as ddad_winograd_forward2, and each product is a sum over
 *   input channels in order with one multiply-add per term, as OpenBLAS's kernel does it
 *   for these sizes: the output is bit for bit that of ddad_winograd_forward2 (a test
 *   checks it on every shape it runs).
 * - Input gradient: the forward with the flipped, channel-swapped kernel and no bias, so
 *   by F(2x2) instead of conv_winograd.c's F(4x4): more multiplies, but each stays in
 *   cache, and its error is F(2x2)'s (at or below im2col's) instead of F(4x4)'s.
 * - Weight gradient: per sample and transform row (4 of the 16 positions), the products
 *   summed over the tiles of each block, and the block sums added in block order; then,
 *   per sample, transformed back to 3x3 in double and rounded to float, and summed over
 *   samples in order in double, exactly as ddad_winograd_backward_weight does.
 *
 * Every result is independent of the thread count: threads take whole blocks (forward)
 * or whole (sample, transform row) units (weight gradient), never a part of a sum. Each
 * sample's results are independent of the other samples in the call. */
#ifndef DDAD_NN_CONV_WINOGRAD_FUSED_H
#define DDAD_NN_CONV_WINOGRAD_FUSED_H

#include "nn/im2col.h"

/* Whether this path handles s: 3x3, stride 1, pad 1, both channel counts multiples of 16,
 * and a build for AVX-512 (its kernels are written for 16-float vectors and two-source
 * shuffles, which other instruction sets turn into scalar code). */
int ddad_wfused_applies(const ddad_conv_shape *s);

/* Floats of workspace the calls below need (s->n samples, s->slots threads' blocks). */
size_t ddad_wfused_workspace_floats(const ddad_conv_shape *s);

/* y [n][k][h][w] = conv(x, w) (+ b[k] when b is non-NULL). */
void ddad_wfused_forward(const ddad_conv_shape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *ws);

/* dx [n][c][h][w] = the input gradient of dy (overwritten). */
void ddad_wfused_backward_data(const ddad_conv_shape *s, int n, const float *w, const float *dy, float *dx, float *ws);

/* dw_sum [k][c][3][3] = the weight gradient over the n samples, in double (overwritten):
 * per sample in float, summed over samples in order in double. */
void ddad_wfused_backward_weight(const ddad_conv_shape *s, int n, const float *x, const float *dy, double *dw_sum,
                                 float *ws);

#endif

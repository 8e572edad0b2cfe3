/* Convolution geometry and the im2col / col2im lowering shared by Conv2d and
 * ConvTranspose2d (which is the adjoint of a Conv2d).
 *
 * A convolution maps x [n][c][h][w] to y [n][k][oh][ow] with a kh x kw kernel, stride and
 * zero padding. Samples are processed in chunks of at most `chunk` images: the column
 * matrix of a chunk is [c*kh*kw][nb*oh*ow] (column index = sample*oh*ow + pixel), so one
 * GEMM covers the whole chunk even when oh*ow is small. The chunk size depends only on
 * the layer's shape, never on the thread count. */
#ifndef DDAD_NN_IM2COL_H
#define DDAD_NN_IM2COL_H

#include <stddef.h>

/* How ddad_conv2d_* computes a convolution (ConvTranspose2d always lowers to im2col). */
enum {
    DDAD_CONV_IM2COL = 0,   /* im2col + SGEMM */
    DDAD_CONV_DIRECT = 1,   /* direct loops, for few output channels (conv_direct.h) */
    DDAD_CONV_WINOGRAD = 2, /* 3x3 layers with many channels: Winograd (conv_winograd.h), the
                               forward and weight gradient F(2x2, 3x3), the input gradient
                               F(4x4, 3x3) */
    DDAD_CONV_WINOGRAD_FUSED = 3, /* the same with channel counts that are multiples of 16: all
                                     three by F(2x2, 3x3) in cache-sized blocks of tiles
                                     (conv_winograd_fused.h) */
};

typedef struct {
    int n;                      /* batch (the largest batch when sizing workspace) */
    int c, h, w;                /* input of the convolution */
    int k;                      /* output channels */
    int kh, kw, stride, pad;
    int oh, ow;                 /* output size */
    int chunk;                  /* samples per GEMM */
    int slots;                  /* chunks the workspace holds side by side (threads that
                                   can take whole chunks at once; ddad_im2col_team), or,
                                   for DDAD_CONV_WINOGRAD_FUSED, threads' block buffers */
    int algo;                   /* DDAD_CONV_*: chosen by ddad_conv_shape_make from the shape */
} ddad_conv_shape;

/* Applied to a convolution's output as it is written: y = y * scale[ch] + shift[ch], then
 * ReLU when relu is set (eval-mode BatchNorm + ReLU fused into the layer). */
typedef struct {
    const float *scale, *shift;
    int relu;
} ddad_conv_epilogue;

/* Shape of Conv2d(c -> k, ksize, stride, pad) on [n][c][h][w]. */
ddad_conv_shape ddad_conv_shape_make(int n, int c, int h, int w, int k, int ksize, int stride, int pad);

/* Floats of workspace a Conv2d / ConvTranspose2d of this shape needs (for s->n samples). */
size_t ddad_conv_workspace_floats(const ddad_conv_shape *s);

/* Chunk-parallel lowering. With several chunks, each OpenMP thread takes whole chunks
 * (im2col, one serial GEMM call sequence, col2im or the permutation back) in its own slot
 * of the workspace: the AE's chunks are a few hundred columns wide, too narrow to split
 * one GEMM between threads. A chunk's arithmetic does not depend on the thread that runs
 * it, and gradients summed over chunks are summed in chunk order afterwards, so results
 * are the same for any thread count. */
/* One chunk: the nb samples from n0, in workspace slot `slot`; dw / db (NULL when the
 * caller passed none) take the chunk's weight and bias gradient. */
typedef void (*ddad_chunk_fn)(const void *args, int n0, int nb, float *slot, float *dw, float *db);

/* Runs fn on every chunk of n samples (ws: ddad_conv_workspace_floats(s)). With one chunk
 * fn writes dw / db itself; with several, each chunk writes its own partial in ws and the
 * partials are summed into dw / db in chunk order. */
void ddad_im2col_run_chunks(const ddad_conv_shape *s, int n, float *ws, ddad_chunk_fn fn, const void *args, float *dw,
                            float *db);

/* col [c*kh*kw][nb*oh*ow] from x (nb samples starting at x). */
void ddad_im2col(const ddad_conv_shape *s, int nb, const float *x, float *col);
/* x = col2im(col): x (nb samples) is overwritten with the sum of the columns' entries,
 * then the epilogue (per channel of x) when epi is non-NULL. */
void ddad_col2im(const ddad_conv_shape *s, int nb, const float *col, float *x, const ddad_conv_epilogue *epi);

/* The epilogue over nb samples of ch channels of p pixels, in place. */
void ddad_conv_apply_epilogue(int nb, int ch, int p, float *y, const ddad_conv_epilogue *epi);

/* [nb][ch][p] <-> [ch][nb*p]; cnp_to_nchw applies the epilogue when epi is non-NULL */
void ddad_nchw_to_cnp(int nb, int ch, int p, const float *src, float *dst);
void ddad_cnp_to_nchw(int nb, int ch, int p, const float *src, float *dst, const ddad_conv_epilogue *epi);
/* src as [ch][nb*p]: src itself for one sample (already that layout), else its copy in tmp */
const float *ddad_as_cnp(int nb, int ch, int p, const float *src, float *tmp);

#endif

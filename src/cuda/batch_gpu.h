/* Training batches on the device, from a device-resident uint8 dataset: gather +
 * normalise (x = (p/255 - 0.5)/0.5, as data/batch.h) and foreign patch interpolation.
 *
 * Index arrays may hold a whole schedule (every epoch's order, uploaded once). With
 * d_cursor non-NULL, a call uses entries [*d_cursor * count, ... + count): the cursor is read
 * on the device, so one captured graph replays batch after batch; advance it with
 * ddad_cursor_advance_gpu at the end of the step. */
#ifndef DDAD_CUDA_BATCH_GPU_H
#define DDAD_CUDA_BATCH_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "cuda/gpu_ctx.h"
#include "data/fpi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = normalised image idx[base + i] (each hw bytes). */
void ddad_gather_batch_gpu(ddad_gpu_ctx *ctx, const uint8_t *d_images, size_t hw, const int64_t *d_idx,
                           const int64_t *d_cursor, int count, float *d_out);

/* d_dst = slot *d_slot of d_src (slots of slot_bytes each, a multiple of 4): how a
 * captured step reads its part of a buffer filled for several steps at once. */
void ddad_copy_slot_gpu(ddad_gpu_ctx *ctx, const void *d_src, size_t slot_bytes, const int64_t *d_slot, void *d_dst);
/* *d_cursor = (*d_cursor + 1) % wrap. */
void ddad_cursor_advance_gpu(ddad_gpu_ctx *ctx, int64_t *d_cursor, int64_t wrap);

/* ddad_fpi_patch (data/fpi.h): one sample's foreign patch, drawn on the host by
 * ddad_fpi_draw. */

/* x [count][h*w] normalised (patched) images, target [count][h*w]: 1 inside a patch with
 * alpha > 0, else 0. */
void ddad_fpi_apply_gpu(ddad_gpu_ctx *ctx, const uint8_t *d_images, int h, int w, const ddad_fpi_patch *d_patches,
                        const int64_t *d_cursor, int count, float *d_x, uint8_t *d_target);

#ifdef __cplusplus
}
#endif

#endif

/* A network's state in a few contiguous buffers.
 *
 * Parameters, gradients and the two Adam moments are each one float buffer of n_params,
 * so a gradient all-reduce, an optimiser step or a checkpoint is one call over one buffer.
 * BatchNorm running statistics live in `buffers`. The descriptors name every tensor with
 * its PyTorch state_dict name and shape ("encoder.0.weight", "encoder.1.running_mean", ...),
 * so checkpoints load into the public reference's modules. */
#ifndef DDAD_MODEL_PARAMSET_H
#define DDAD_MODEL_PARAMSET_H

#include <stddef.h>
#include <stdint.h>

#define DDAD_TENSOR_NAME_MAX 64
#define DDAD_MAX_TENSORS 64

typedef struct {
    char name[DDAD_TENSOR_NAME_MAX];   /* PyTorch state_dict key */
    int ndim;
    int shape[4];
    size_t offset;                     /* into params (or buffers) */
    size_t count;
} ddad_tensor_desc;

typedef struct {
    float *params;                     /* n_params */
    float *grads;                      /* n_params, NULL for inference-only networks */
    float *adam_m, *adam_v;            /* n_params, NULL for inference-only networks */
    size_t n_params;
    float *buffers;                    /* BatchNorm running_mean / running_var */
    size_t n_buffers;
    int64_t num_batches_tracked;       /* BatchNorm counter (same for every BN layer) */
    int64_t step;                      /* Adam steps taken */
    ddad_tensor_desc param_desc[DDAD_MAX_TENSORS];
    int n_param_desc;
    ddad_tensor_desc buffer_desc[DDAD_MAX_TENSORS];
    int n_buffer_desc;
} ddad_paramset;

/* ---- building a paramset (network constructors) ---- */
void ddad_paramset_reset(ddad_paramset *ps);
/* Appends a parameter (or a BatchNorm buffer) tensor; returns its offset. */
size_t ddad_paramset_add_param(ddad_paramset *ps, const char *name, int ndim, const int *shape);
size_t ddad_paramset_add_buffer(ddad_paramset *ps, const char *name, int ndim, const int *shape);
/* Allocates the buffers (zeroed); grads and Adam moments only when training. */
void ddad_paramset_alloc(ddad_paramset *ps, int training);
void ddad_paramset_release(ddad_paramset *ps);

/* Index of the parameter (or buffer) descriptor with this name, or -1. */
int ddad_paramset_find_param(const ddad_paramset *ps, const char *name);
int ddad_paramset_find_buffer(const ddad_paramset *ps, const char *name);

/* Fills a parameter tensor with U(-bound, bound) drawn from the stream (seed, module, member,
 * DDAD_RNG_INIT, substream = hash of the tensor's name), so adding a tensor never shifts the
 * draws of the others; or with a constant. */
void ddad_paramset_init_uniform(ddad_paramset *ps, int index, double bound, uint64_t seed, int module, int member);
void ddad_paramset_fill(ddad_paramset *ps, int index, float value);

/* Copies params, buffers, counters (and Adam moments when both have them) between two
 * paramsets of the same layout. Returns 0, or -1 when the layouts differ. */
int ddad_paramset_copy(ddad_paramset *dst, const ddad_paramset *src);

#endif

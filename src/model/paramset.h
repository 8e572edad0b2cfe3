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

#endif

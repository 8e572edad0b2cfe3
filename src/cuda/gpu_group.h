/* Which ranks of a node share one physical GPU, from the devices' UUIDs. The ordinal a
 * rank uses says nothing about that: with one GPU bound to each rank (Slurm's
 * --gpus-per-task, --gpu-bind, or a CUDA_VISIBLE_DEVICES per rank) every rank sees its own
 * GPU as device 0. Host code, testable without a GPU. */
#ifndef DDAD_CUDA_GPU_GROUP_H
#define DDAD_CUDA_GPU_GROUP_H

#ifdef __cplusplus
extern "C" {
#endif

#define DDAD_GPU_UUID_BYTES 16

/* uuids: the n local ranks' device UUIDs, rank r's at uuids + r * DDAD_GPU_UUID_BYTES.
 * Returns the lowest local rank whose device is me's (me itself when it leads); *sharing
 * gets how many local ranks use that device. */
int ddad_gpu_group(const unsigned char *uuids, int n, int me, int *sharing);

#ifdef __cplusplus
}
#endif

#endif

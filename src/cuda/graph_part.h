/* A part of a training step launched eagerly on its first use (which chooses the cuDNN
 * algorithms: a capture cannot time them), captured as a CUDA graph on its second, and
 * replayed from then on. */
#ifndef DDAD_CUDA_GRAPH_PART_H
#define DDAD_CUDA_GRAPH_PART_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    cudaGraphExec_t exec;
    int captured;
} ddad_graph_part;

/* Enqueues enqueue(arg) on stream: eagerly when `eager` (first use, or graphs off), else
 * from the graph, capturing it first if needed. Everything enqueue does must be the same
 * on every call: host values are frozen into the graph. */
void ddad_graph_part_launch(ddad_graph_part *g, cudaStream_t stream, int eager, void (*enqueue)(void *), void *arg);
void ddad_graph_part_free(ddad_graph_part *g);

#ifdef __cplusplus
}
#endif

#endif

#include "cuda/graph_part.h"

#include "cuda/cuda_check.h"

void ddad_graph_part_launch(ddad_graph_part *g, cudaStream_t stream, int eager, void (*enqueue)(void *), void *arg)
{
    if (eager) {
        enqueue(arg);
        return;
    }
    if (!g->captured) {
        cudaGraph_t graph;
        DDAD_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
        enqueue(arg);
        DDAD_CHECK_CUDA(cudaStreamEndCapture(stream, &graph));
        DDAD_CHECK_CUDA(cudaGraphInstantiate(&g->exec, graph, 0));
        DDAD_CHECK_CUDA(cudaGraphDestroy(graph));
        g->captured = 1;
    }
    DDAD_CHECK_CUDA(cudaGraphLaunch(g->exec, stream));
}

void ddad_graph_part_free(ddad_graph_part *g)
{
    if (g->captured) DDAD_CHECK_CUDA(cudaGraphExecDestroy(g->exec));
    g->captured = 0;
}

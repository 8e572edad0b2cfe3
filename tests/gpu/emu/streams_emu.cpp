// Streams, events, graph capture and pinned host memory for the CPU emulator, so that the
// trainers (graph_part.c, ae_train_gpu.cu, refine_train_gpu.cu, loss_ring.c) run here
// as they do on a GPU. Every stream's work is done at once, in issue order, so streams
// and events order nothing; what is emulated is what a capture changes:
//   - work issued to a stream being captured is recorded, not done, and done again at
//     each launch of the graph (a stream that waits on an event recorded in the capture
//     joins it, as in CUDA: the GPU communicator's stream does); a kernel's arguments are
//     the values they had at the capture (simt_emu.h), so host state that a step reads
//     when it is enqueued and that changes between steps is frozen in the replays, as on
//     a GPU;
//   - the calls CUDA refuses while a stream is being captured end the run: synchronous
//     copies and fills, synchronisation, allocation and freeing, work on the legacy
//     default stream, and waiting for an event recorded inside the capture; and so does
//     a capture's end while a stream that joined it has work the captured stream did not
//     wait for, directly or through other streams of the capture.
// One capture at a time (the project captures one stream from one thread).
#include <stdio.h>
#include <stdlib.h>

#include <utility>
#include <vector>

#include "simt_emu.h"

namespace {

struct emu_stream {
    unsigned flags;
};

// How much of each captured stream's work (indexed as g_capturing) some point of the
// capture comes after: a vector clock, so that a wait joins everything the waited-for
// point came after, as CUDA's dependency graph does.
typedef std::vector<long> emu_clock;

void clock_merge(emu_clock &into, const emu_clock &from)
{
    if (into.size() < from.size()) into.resize(from.size(), 0);
    for (size_t i = 0; i < from.size(); i++)
        if (from[i] > into[i]) into[i] = from[i];
}

struct emu_event {
    bool captured;        // last recorded inside a capture,
    emu_clock after;      // after this much of each captured stream's work
};

struct emu_work {
    const char *what;
    std::function<void()> run;
};

struct emu_graph {
    std::vector<emu_work> work;
};

// The captured stream ([0]) and the streams that joined its capture; for each, the point
// its next work comes after (its own entry: the work recorded on it so far). CUDA ends a
// capture with cudaErrorStreamCaptureUnjoined unless the origin's last point comes after
// all of every joined stream's work.
struct captured_stream {
    cudaStream_t stream;
    emu_clock after;
};
std::vector<captured_stream> g_capturing;
emu_graph *g_capture;

captured_stream *capture_of(cudaStream_t s)
{
    if (!g_capture) return NULL;
    for (captured_stream &c : g_capturing)
        if (c.stream == s) return &c;
    return NULL;
}

long &own_work(captured_stream *c)
{
    const size_t i = (size_t)(c - g_capturing.data());
    if (c->after.size() <= i) c->after.resize(i + 1, 0);
    return c->after[i];
}

bool captured(cudaStream_t s) { return capture_of(s) != NULL; }

[[noreturn]] void emu_fail(const char *call, const char *why)
{
    fprintf(stderr, "simt emulator: %s: %s (CUDA refuses this)\n", call, why);
    exit(1);
}

emu_graph *graph_of(cudaGraph_t g) { return reinterpret_cast<emu_graph *>(g); }
emu_graph *graph_of(cudaGraphExec_t g) { return reinterpret_cast<emu_graph *>(g); }
emu_event *event_of(cudaEvent_t e) { return reinterpret_cast<emu_event *>(e); }

}   // namespace

void ddad_emu_enqueue(cudaStream_t stream, const char *what, std::function<void()> work)
{
    if (captured_stream *c = capture_of(stream)) {
        own_work(c)++;
        g_capture->work.push_back({what, std::move(work)});
        return;
    }
    if (g_capture && stream == 0) emu_fail(what, "work on the legacy default stream while a stream is being captured");
    work();
}

void ddad_emu_no_capture(const char *call)
{
    if (g_capture) emu_fail(call, "called while a stream is being captured into a graph");
}

extern "C" {

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *stream, unsigned int flags)
{
    ddad_emu_no_capture("cudaStreamCreateWithFlags");
    *stream = reinterpret_cast<cudaStream_t>(new emu_stream{flags});
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t *stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamDestroy(cudaStream_t stream)
{
    ddad_emu_no_capture("cudaStreamDestroy");
    delete reinterpret_cast<emu_stream *>(stream);
    return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, enum cudaStreamCaptureMode mode)
{
    (void)mode;
    if (stream == 0) emu_fail("cudaStreamBeginCapture", "a capture of the legacy default stream");
    ddad_emu_no_capture("cudaStreamBeginCapture");
    g_capturing.assign(1, captured_stream{stream, emu_clock(1, 0)});
    g_capture = new emu_graph;
    return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t *graph)
{
    if (!g_capture || stream != g_capturing[0].stream)
        emu_fail("cudaStreamEndCapture", "the stream is not being captured");
    const emu_clock &origin = g_capturing[0].after;
    for (size_t i = 1; i < g_capturing.size(); i++)
        if (own_work(&g_capturing[i]) > (i < origin.size() ? origin[i] : 0))
            emu_fail("cudaStreamEndCapture", "a stream that joined the capture has work the captured stream never "
                                             "waited for (unjoined)");
    *graph = reinterpret_cast<cudaGraph_t>(g_capture);
    g_capture = NULL;
    g_capturing.clear();
    return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, enum cudaStreamCaptureStatus *status)
{
    *status = captured(stream) ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
    return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t *exec, cudaGraph_t graph, unsigned long long flags)
{
    (void)flags;
    *exec = reinterpret_cast<cudaGraphExec_t>(new emu_graph(*graph_of(graph)));
    return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph)
{
    delete graph_of(graph);
    return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream)
{
    const emu_graph *g = graph_of(exec);
    ddad_emu_enqueue(stream, "cudaGraphLaunch", [g]() {
        for (const emu_work &w : g->work) w.run();
    });
    return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec)
{
    ddad_emu_no_capture("cudaGraphExecDestroy");
    delete graph_of(exec);
    return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
    (void)flags;
    *event = reinterpret_cast<cudaEvent_t>(new emu_event{false, emu_clock()});
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t *event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventDestroy(cudaEvent_t event)
{
    delete event_of(event);
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
    if (g_capture && stream == 0) emu_fail("cudaEventRecord", "on the legacy default stream during a capture");
    emu_event *e = event_of(event);
    captured_stream *c = capture_of(stream);
    e->captured = c != NULL;
    e->after.clear();
    if (c) {
        own_work(c);   // sized to include this stream
        e->after = c->after;
    }
    return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event)
{
    if (event_of(event)->captured) emu_fail("cudaEventQuery", "the event was recorded inside a capture");
    return cudaSuccess;   // its work is done
}

cudaError_t cudaEventSynchronize(cudaEvent_t event)
{
    ddad_emu_no_capture("cudaEventSynchronize");
    if (event_of(event)->captured) emu_fail("cudaEventSynchronize", "the event was recorded inside a capture");
    return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
    (void)flags;   // the event's work is done; a wait on one recorded in the capture joins it
    const emu_event *e = event_of(event);
    if (!g_capture || !e->captured) return cudaSuccess;
    captured_stream *c = capture_of(stream);
    if (!c) {
        if (stream == 0) emu_fail("cudaStreamWaitEvent", "the legacy default stream joining a capture");
        g_capturing.push_back(captured_stream{stream, emu_clock()});
        c = &g_capturing.back();
    }
    clock_merge(c->after, e->after);
    return cudaSuccess;
}

cudaError_t cudaHostAlloc(void **p, size_t bytes, unsigned int flags)
{
    (void)flags;
    ddad_emu_no_capture("cudaHostAlloc");
    *p = malloc(bytes ? bytes : 1);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFreeHost(void *p)
{
    ddad_emu_no_capture("cudaFreeHost");
    free(p);
    return cudaSuccess;
}

}   // extern "C"

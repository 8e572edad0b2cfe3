// The CPU emulator itself (simt_emu.h), on small kernels written for it:
//   (no argument)  every (block, thread) of a 3-D grid runs once with its own indices; a
//                  block's threads meet at __syncthreads(); the emulator exposes a missing
//                  barrier; blocks run in a shuffled order, a new one each launch, and
//                  see one shared array each, in turn, filled with 0xFF bytes when the
//                  block starts; a captured
//                  stream records its work, with the arguments of the capture, for replays,
//                  and so does a stream that joins the capture, directly or through another;
//   divergent      a barrier that only some threads reach: must end with an error;
//   divergent_late the same, where thread 0 is one that returns;
//   capture_sync   cudaStreamSynchronize while the stream is captured: must end with an error;
//   capture_unjoined
//                  a capture ended while a stream that joined it has work the captured
//                  stream never waited for: must end with an error;
//   capture_unjoined_chain
//                  the same for a stream that joined through another, which the
//                  captured stream waited for before the third's work was joined;
//   past_global, past_local
//                  out of bounds after a barrier: AddressSanitizer must end the run;
//   config         a launch of 2048 threads per block: DDAD_CHECK_LAUNCH must end the run.
#include "simt_emu.h"

#include <stdio.h>
#include <string.h>

static int g_failures;

static void check(const char *what, bool ok)
{
    printf("  %-60s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) g_failures++;
}

// hits[global thread id] += 1, and the thread's indices are recorded
__global__ void k_indices(unsigned *hits, unsigned *where)
{
    const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned tid = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    const unsigned g = block * (blockDim.x * blockDim.y * blockDim.z) + tid;
    hits[g] += 1;
    where[g] = (blockIdx.x + 10 * blockIdx.y + 100 * blockIdx.z) * 1000 + threadIdx.x + 10 * threadIdx.y +
               100 * threadIdx.z;
}

// each thread reads its neighbour's value (shift 1: right, 63: left), with or without the
// barrier between
__global__ void k_rotate(int barrier, int shift, int *out)
{
    DDAD_SHARED_ARRAY(int, sh, 64);
    sh[threadIdx.x] = (int)(blockIdx.x * 100 + threadIdx.x);
    if (barrier) __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = sh[(threadIdx.x + shift) % blockDim.x];
}

// a tree sum with a barrier per level, as the project's block reductions do
__global__ void k_tree_sum(const int *in, int *out)
{
    DDAD_SHARED_ARRAY(int, sh, 128);
    sh[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = sh[0];
}

// the order in which the blocks ran: arrivals[k] = the k-th block's index
__global__ void k_arrival(unsigned *arrivals, unsigned *count)
{
    if (threadIdx.x == 0) arrivals[atomicAdd(count, 1u)] = blockIdx.y * gridDim.x + blockIdx.x;
}

// what each block finds in its shared memory before writing it (then it writes its own)
__global__ void k_shared_fresh(unsigned *found)
{
    DDAD_SHARED_ARRAY(unsigned, sh, 32);
    DDAD_SHARED(float, f);
    found[blockIdx.x * 33 + threadIdx.x] = sh[threadIdx.x];
    if (threadIdx.x == 0) memcpy(&found[blockIdx.x * 33 + 32], &f, sizeof f);
    __syncthreads();
    sh[threadIdx.x] = blockIdx.x + 1;
    if (threadIdx.x == 0) f = 1.0f;
    __syncthreads();
}

__global__ void k_divergent(int *out)
{
    if (threadIdx.x < 16) {
        __syncthreads();
        out[threadIdx.x] = 1;
    }
}

// The same divergence where the first thread returns without the barrier (the block's
// other threads then run as plain calls, and the barrier must still be reported).
__global__ void k_divergent_late(int *out)
{
    if (threadIdx.x >= 16) {
        __syncthreads();
        out[threadIdx.x] = 1;
    }
}

__global__ void k_nothing(int *out) { out[0] = 1; }

__global__ void k_add(int *out, int v) { out[threadIdx.x] += v; }

// Out of bounds after a barrier, in global memory (past out's n ints) or in a kernel-local
// array (k past its 4 ints): AddressSanitizer must report either.
__global__ void k_past_global(int *out, int n)
{
    __syncthreads();
    out[threadIdx.x + (unsigned)n - blockDim.x + 1] = 1;
}
__global__ void k_past_local(int *out, int k)
{
    int local[4] = {1, 2, 3, 4};
    __syncthreads();
    out[threadIdx.x] = local[k];
}

// `waiter` waits for the work issued to `recorder` so far (through `ev`)
static void wait_for(cudaStream_t waiter, cudaEvent_t ev, cudaStream_t recorder)
{
    cudaEventRecord(ev, recorder);
    cudaStreamWaitEvent(waiter, ev, 0);
}

static int run_checks(void)
{
    printf("test_simt_emu: the emulator on kernels written for it\n");
    const dim3 grid(3, 2, 2), block(4, 3, 2);
    const unsigned n = 3 * 2 * 2 * 4 * 3 * 2;
    static unsigned hits[n], where[n];
    const ddad_emu_counts before = ddad_emu_totals();
    DDAD_LAUNCH(k_indices, grid, block, 0, hits, where);
    DDAD_CHECK_LAUNCH("indices");
    bool once = true, distinct = true;
    for (unsigned i = 0; i < n; i++) {
        once = once && hits[i] == 1;
        for (unsigned j = 0; j < i; j++) distinct = distinct && where[i] != where[j];
    }
    check("3-D grid: every thread of every block ran once", once);
    check("3-D grid: each with its own (block, thread) indices", distinct);
    const ddad_emu_counts after = ddad_emu_totals();
    check("counts: 1 launch, 12 blocks, 288 threads",
          after.launches - before.launches == 1 && after.blocks - before.blocks == 12 &&
              after.threads - before.threads == n);

    static int out[4 * 64];
    for (int shift = 1; shift < 64; shift += 62) {
        const char *side = shift == 1 ? "right" : "left";
        char what[96];
        DDAD_LAUNCH(k_rotate, 4, 64, 0, 1, shift, out);
        DDAD_CHECK_LAUNCH("rotate");
        bool rotated = true;
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < 64; t++) rotated = rotated && out[b * 64 + t] == b * 100 + (t + shift) % 64;
        snprintf(what, sizeof what, "with __syncthreads(): each thread reads its %s neighbour's write", side);
        check(what, rotated);
        // Without the barrier: in one thread order 63 of each block's 64 threads read before
        // their neighbour writes, in the other only one does; launches alternate the order,
        // so one of two launches shows the bug in full, whichever side is read.
        int stale[2] = {0, 0};
        for (int run = 0; run < 2; run++) {
            DDAD_LAUNCH(k_rotate, 4, 64, 0, 0, shift, out);
            DDAD_CHECK_LAUNCH("rotate");
            for (int b = 1; b < 4; b++)
                for (int t = 0; t < 64; t++) stale[run] += out[b * 64 + t] != b * 100 + (t + shift) % 64;
        }
        snprintf(what, sizeof what, "without it: the %s neighbour read stale by 63 threads a block", side);
        check(what, (stale[0] == 3 * 63 && stale[1] == 3) || (stale[0] == 3 && stale[1] == 3 * 63));
    }

    static unsigned arrivals[2][24], count[2];
    for (int run = 0; run < 2; run++) {
        DDAD_LAUNCH(k_arrival, dim3(6, 4), 8, 0, arrivals[run], &count[run]);
        DDAD_CHECK_LAUNCH("arrival");
    }
    bool permutation = count[0] == 24 && count[1] == 24, in_order = true;
    for (int run = 0; run < 2; run++)
        for (unsigned b = 0; b < 24; b++) {
            int seen = 0;
            for (int k = 0; k < 24; k++) seen += arrivals[run][k] == b;
            permutation = permutation && seen == 1;
            in_order = in_order && arrivals[run][b] == b;
        }
    check("blocks run once each, in an order that is not the index order",
          permutation && !in_order && memcmp(arrivals[0], arrivals[1], sizeof arrivals[0]) != 0);

    static unsigned found[3 * 33];
    DDAD_LAUNCH(k_shared_fresh, 3, 32, 0, found);
    DDAD_CHECK_LAUNCH("shared fresh");
    bool fresh = true;
    for (int i = 0; i < 3 * 33; i++) fresh = fresh && found[i] == 0xFFFFFFFFu;
    check("every block finds its shared memory filled (0xFF), not the last block's", fresh);

    static int in[5 * 128], sums[5];
    for (int i = 0; i < 5 * 128; i++) in[i] = i % 7 + 1;
    const ddad_emu_counts b0 = ddad_emu_totals();
    DDAD_LAUNCH(k_tree_sum, 5, 128, 0, in, sums);
    DDAD_CHECK_LAUNCH("tree sum");
    bool summed = true;
    for (int b = 0; b < 5; b++) {
        int want = 0;
        for (int t = 0; t < 128; t++) want += in[b * 128 + t];
        summed = summed && sums[b] == want;
    }
    check("tree sum over 5 blocks of 128 threads", summed);
    check("8 barrier rounds per block", ddad_emu_totals().barriers - b0.barriers == 5 * 8);

    // A captured stream: its work is recorded, with the kernel arguments' values at the
    // capture, and done again at each launch of the graph.
    cudaStream_t st;
    cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking);
    static int acc[4];
    int v = 1;
    cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
    DDAD_LAUNCH(k_add, 1, 4, st, acc, v);
    v = 100;   // after the capture of the launch: the graph keeps 1
    cudaMemsetAsync(acc + 3, 0, sizeof(int), st);
    check("nothing runs while the stream is captured", acc[0] == 0 && acc[3] == 0);
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    cudaStreamEndCapture(st, &graph);
    cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    cudaGraphLaunch(exec, st);
    cudaGraphLaunch(exec, st);
    check("two replays: the captured argument twice, the recorded fill after it",
          acc[0] == 2 && acc[1] == 2 && acc[2] == 2 && acc[3] == 0);
    DDAD_LAUNCH(k_add, 1, 4, st, acc, v);
    check("an uncaptured launch runs at once, with its own arguments", acc[0] == 102 && acc[3] == 100);
    cudaGraphExecDestroy(exec);

    // A second stream joins the capture by waiting on an event recorded in it, and is
    // joined back by the captured stream waiting on one recorded after its work.
    cudaStream_t side;
    cudaEvent_t fork, join;
    cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    cudaEventCreate(&fork);
    cudaEventCreate(&join);
    cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
    wait_for(side, fork, st);
    DDAD_LAUNCH(k_add, 1, 4, side, acc, 1000);
    wait_for(st, join, side);
    cudaStreamEndCapture(st, &graph);
    check("work on a stream that joined the capture is recorded", acc[0] == 102);
    cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    cudaGraphLaunch(exec, st);
    check("and done at the replay", acc[0] == 1102);
    cudaGraphExecDestroy(exec);

    // A third stream joins through the second, and is joined back only through it: the
    // captured stream waits for the second, which waited for the third (CUDA accepts this).
    cudaStream_t far;
    cudaEvent_t fork2, join2;
    cudaStreamCreateWithFlags(&far, cudaStreamNonBlocking);
    cudaEventCreate(&fork2);
    cudaEventCreate(&join2);
    cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
    wait_for(side, fork, st);
    wait_for(far, fork2, side);
    DDAD_LAUNCH(k_add, 1, 4, far, acc, 10000);
    wait_for(side, join2, far);
    wait_for(st, join, side);
    cudaStreamEndCapture(st, &graph);
    cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    cudaGraphLaunch(exec, st);
    check("a stream joined back through another: recorded and replayed", acc[0] == 11102);
    cudaGraphExecDestroy(exec);
    cudaEventDestroy(fork2);
    cudaEventDestroy(join2);
    cudaStreamDestroy(far);
    cudaEventDestroy(fork);
    cudaEventDestroy(join);
    cudaStreamDestroy(side);
    cudaStreamDestroy(st);

    printf("test_simt_emu: %d failed\n", g_failures);
    return g_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    static int out[64];
    if (argc > 1 && strcmp(argv[1], "divergent") == 0) {
        DDAD_LAUNCH(k_divergent, 1, 32, 0, out);
        printf("a divergent barrier went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "divergent_late") == 0) {
        DDAD_LAUNCH(k_divergent_late, 1, 32, 0, out);
        printf("a divergent barrier went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "capture_sync") == 0) {
        cudaStream_t st;
        cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking);
        cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
        cudaStreamSynchronize(st);
        printf("a synchronisation during a capture went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "capture_unjoined") == 0) {
        cudaStream_t st, side;
        cudaEvent_t fork;
        cudaGraph_t graph;
        cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking);
        cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
        cudaEventCreate(&fork);
        cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
        wait_for(side, fork, st);
        DDAD_LAUNCH(k_nothing, 1, 1, side, out);
        cudaStreamEndCapture(st, &graph);   // side's launch was never waited for
        printf("a capture ended with a stream unjoined went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "capture_unjoined_chain") == 0) {
        cudaStream_t st, side, far;
        cudaEvent_t fork, fork2, join;
        cudaGraph_t graph;
        cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking);
        cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
        cudaStreamCreateWithFlags(&far, cudaStreamNonBlocking);
        cudaEventCreate(&fork);
        cudaEventCreate(&fork2);
        cudaEventCreate(&join);
        cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal);
        wait_for(side, fork, st);
        wait_for(far, fork2, side);
        DDAD_LAUNCH(k_nothing, 1, 1, far, out);
        cudaEventRecord(join, side);   // side never waited for far's launch
        cudaStreamWaitEvent(st, join, 0);
        cudaStreamEndCapture(st, &graph);
        printf("a capture ended with a stream unjoined went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "past_global") == 0) {
        int *heap = new int[32];
        DDAD_LAUNCH(k_past_global, 1, 32, 0, heap, 32);
        printf("a write past a global array went unreported\n");
        delete[] heap;
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "past_local") == 0) {
        DDAD_LAUNCH(k_past_local, 1, 32, 0, out, argc + 2);   // 4
        printf("a read past a kernel-local array went unreported\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "config") == 0) {
        DDAD_LAUNCH(k_nothing, 1, 2048, 0, out);
        DDAD_CHECK_LAUNCH("a block too large");
        printf("a launch of 2048 threads per block went unreported\n");
        return 0;
    }
    return run_checks();
}

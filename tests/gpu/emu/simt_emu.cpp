// The emulator's scheduler (simt_emu.h): blocks one after another, each block's threads as
// fibers (ucontext) on one host thread. A fiber runs until it reaches __syncthreads() or
// returns; when every thread of the block waits at the barrier, all are released. Threads
// run in index order in one round, in reverse order in the next, and launches alternate
// the first round's order, so a missing barrier shows whichever neighbour a thread reads.
// A block whose first thread returns without reaching a barrier runs the rest as plain
// calls, in the same order (run_block). Blocks run one after another in an order shuffled
// afresh for every launch, as a GPU promises no order: a result that depends on which
// block runs or finishes first (the last-block tickets of BatchNorm's one-launch
// statistics) changes between launches and fails the bitwise checks.
#include "simt_emu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#if defined(__x86_64__) && defined(__ELF__) && !defined(DDAD_EMU_UCONTEXT)   // -DDDAD_EMU_UCONTEXT: the portable path
// On x86-64 the fibers switch with a few instructions of their own: swapcontext also saves
// and restores the signal mask, a system call per switch, which was most of the
// emulator's time. ddad_emu_switch_stack saves the callee-saved registers on the current
// stack, stores its pointer in *save_sp, and resumes the stack at load_sp.
#define DDAD_EMU_OWN_SWITCH 1
extern "C" void ddad_emu_switch_stack(void **save_sp, void *load_sp);
__asm__(".text\n"
        ".globl ddad_emu_switch_stack\n"
        ".type ddad_emu_switch_stack, @function\n"
        "ddad_emu_switch_stack:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size ddad_emu_switch_stack, .-ddad_emu_switch_stack\n");
#else
#define DDAD_EMU_OWN_SWITCH 0
#endif

#include <vector>

uint3 ddad_emu_thread_idx, ddad_emu_block_idx;
dim3 ddad_emu_block_dim, ddad_emu_grid_dim;

namespace {

enum fiber_state { RUNNABLE, AT_BARRIER, FINISHED };

struct fiber {
#if DDAD_EMU_OWN_SWITCH
    void *sp;              // saved stack pointer while switched out
#else
    ucontext_t context;
#endif
    char *stack;
    fiber_state state;
    uint3 index;
};

// Kernel locals live on these stacks; the project's kernels use a few hundred bytes (about
// 2 KB under AddressSanitizer). Small stacks matter: AddressSanitizer clears a stack's
// whole shadow at each fiber's start (and, with swapcontext, at every switch to it).
// ddad_emu_syncthreads checks the depth.
constexpr size_t k_stack_bytes = 16 * 1024;

#if DDAD_EMU_OWN_SWITCH
void *g_scheduler_sp;
#else
ucontext_t g_scheduler;
#endif
std::vector<fiber> g_fibers;
std::vector<char> g_stacks;
int g_current = -1;
bool g_direct;          // g_current runs as a plain call (run_direct)
int g_direct_first;     // the thread whose return put the block in plain calls
const char *g_name;     // the kernel, for that error
const std::function<void()> *g_body;
char g_error[512];
ddad_emu_counts g_counts;

#if DDAD_EMU_OWN_SWITCH
// A fiber's first frame: entered by the `ret` of its first switch; never returns.
[[noreturn]] void fiber_main()
{
    (*g_body)();
    g_fibers[g_current].state = FINISHED;
    ddad_emu_switch_stack(&g_fibers[g_current].sp, g_scheduler_sp);
    __builtin_unreachable();
}
#else
void fiber_main()
{
    (*g_body)();
    g_fibers[g_current].state = FINISHED;   // uc_link returns to the scheduler
}
#endif

[[noreturn]] void emu_fail(const char *msg)
{
    fprintf(stderr, "simt emulator: %s\n", msg);
    exit(1);
}

// The GPU's limits (compute capability 8.0 and 9.0): what cudaGetLastError would refuse.
bool check_config(const char *name, dim3 grid, dim3 block)
{
    const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
    const char *why = NULL;
    if (block.x == 0 || block.y == 0 || block.z == 0 || grid.x == 0 || grid.y == 0 || grid.z == 0)
        why = "a zero grid or block dimension";
    else if (threads > 1024 || block.x > 1024 || block.y > 1024 || block.z > 64)
        why = "more than 1024 threads per block (or a block dimension over its limit)";
    else if (grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535)
        why = "a grid dimension over its limit";
    if (why) {
        snprintf(g_error, sizeof g_error, "launch of %s with grid (%u, %u, %u), block (%u, %u, %u): %s", name, grid.x,
                 grid.y, grid.z, block.x, block.y, block.z, why);
        return false;
    }
    return true;
}

uint3 thread_index(int t)
{
    uint3 i;
    i.x = t % ddad_emu_block_dim.x;
    i.y = t / ddad_emu_block_dim.x % ddad_emu_block_dim.y;
    i.z = t / (ddad_emu_block_dim.x * ddad_emu_block_dim.y);
    return i;
}

#if DDAD_EMU_OWN_SWITCH
// Thread t's fiber, at the start of the kernel: a stack whose first switch pops six zero
// registers and returns into fiber_main, 16-byte aligned as at a call.
void init_fiber(int t)
{
    fiber &f = g_fibers[t];
    f.stack = g_stacks.data() + (size_t)t * k_stack_bytes;
#if defined(__SANITIZE_ADDRESS__)
    __asan_unpoison_memory_region(f.stack, k_stack_bytes);   // fiber_main's frame never returns
#endif
    void **sp = (void **)(((uintptr_t)(f.stack + k_stack_bytes) & ~(uintptr_t)15) - 16);
    sp[0] = (void *)&fiber_main;
    sp[1] = NULL;
    sp -= 6;
    for (int r = 0; r < 6; r++) sp[r] = NULL;
    f.sp = sp;
    f.state = RUNNABLE;
    f.index = thread_index(t);
}

void switch_to(int t)
{
    g_current = t;
    ddad_emu_thread_idx = g_fibers[t].index;
    ddad_emu_switch_stack(&g_scheduler_sp, g_fibers[t].sp);
    g_current = -1;
}

void switch_back(fiber &f) { ddad_emu_switch_stack(&f.sp, g_scheduler_sp); }
#else
// Thread t's fiber, at the start of the kernel. (A function of its own: getcontext "returns
// twice" as far as the compiler knows, which would make the caller's loop variables suspect.)
__attribute__((noinline)) void init_fiber(int t)
{
    fiber &f = g_fibers[t];
    f.stack = g_stacks.data() + (size_t)t * k_stack_bytes;
    if (getcontext(&f.context) != 0) emu_fail("getcontext failed");
    f.context.uc_stack.ss_sp = f.stack;
    f.context.uc_stack.ss_size = k_stack_bytes;
    f.context.uc_link = &g_scheduler;
    makecontext(&f.context, fiber_main, 0);
    f.state = RUNNABLE;
    f.index = thread_index(t);
}

void switch_to(int t)
{
    g_current = t;
    ddad_emu_thread_idx = g_fibers[t].index;
    if (swapcontext(&g_scheduler, &g_fibers[t].context) != 0) emu_fail("swapcontext failed");
    g_current = -1;
}

void switch_back(fiber &f)
{
    if (swapcontext(&f.context, &g_scheduler) != 0) emu_fail("swapcontext failed");
}
#endif

// Runs thread t to its end as a plain call on this stack, without a fiber. A barrier it
// reaches ends the run (ddad_emu_syncthreads).
void run_direct(int t)
{
    g_current = t;
    g_direct = true;
    ddad_emu_thread_idx = thread_index(t);
    (*g_body)();
    g_direct = false;
    g_current = -1;
}

void run_block(const char *name, int threads, int reverse)
{
    /* The round's first thread runs as a fiber. If it returns without reaching a barrier,
     * no thread of the block may reach one (a barrier some threads skip is an error here),
     * so the others run as plain calls: most kernels have no barrier, and a fiber costs far
     * more than their work per thread. */
    const int first = reverse ? threads - 1 : 0;
    init_fiber(first);
    switch_to(first);
    if (g_fibers[first].state == FINISHED) {
        g_name = name;
        g_direct_first = first;
        for (int u = 1; u < threads; u++) run_direct(reverse ? threads - 1 - u : u);
        return;
    }
    for (int t = 0; t < threads; t++)
        if (t != first) init_fiber(t);
    for (;; reverse = !reverse) {
        for (int u = 0; u < threads; u++) {
            const int t = reverse ? threads - 1 - u : u;
            if (g_fibers[t].state == RUNNABLE) switch_to(t);
        }
        int waiting = 0, finished = 0;
        for (int t = 0; t < threads; t++) {
            waiting += g_fibers[t].state == AT_BARRIER;
            finished += g_fibers[t].state == FINISHED;
        }
        if (finished == threads) return;
        if (finished > 0) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "%s, block (%u, %u, %u): %d of %d threads returned while %d wait at __syncthreads() "
                     "(a barrier in divergent code)",
                     name, ddad_emu_block_idx.x, ddad_emu_block_idx.y, ddad_emu_block_idx.z, finished, threads,
                     waiting);
            emu_fail(msg);
        }
        g_counts.barriers++;
        for (int t = 0; t < threads; t++) g_fibers[t].state = RUNNABLE;
    }
}

}   // namespace

void ddad_emu_syncthreads(void)
{
    if (g_current < 0) emu_fail("__syncthreads() outside a kernel");
    if (g_direct) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s, block (%u, %u, %u): thread %d reached __syncthreads() where thread %d returned without "
                 "reaching it (a barrier in divergent code)",
                 g_name, ddad_emu_block_idx.x, ddad_emu_block_idx.y, ddad_emu_block_idx.z, g_current, g_direct_first);
        emu_fail(msg);
    }
    fiber &f = g_fibers[g_current];
    char here;
    const size_t depth = (size_t)(f.stack + k_stack_bytes - &here);
    if (depth > k_stack_bytes / 2) emu_fail("a kernel uses over half of its fiber's stack: raise k_stack_bytes");
    f.state = AT_BARRIER;
    switch_back(f);
}

namespace {

// Runs body once per thread of every block (the configuration is checked at the launch).
void run_grid(const char *name, dim3 grid, dim3 block, const std::function<void()> &body)
{
    if (g_current >= 0) emu_fail("a launch from inside a kernel");
    const int threads = (int)(block.x * block.y * block.z);
    if ((int)g_fibers.size() < threads) {
        g_fibers.resize(threads);
        g_stacks.resize((size_t)threads * k_stack_bytes);
    }
    g_body = &body;
    ddad_emu_block_dim = block;
    ddad_emu_grid_dim = grid;
    // the blocks in an order shuffled by the launch's serial (Fisher-Yates, 64-bit LCG):
    // reproducible from run to run, different from launch to launch
    const size_t n = (size_t)grid.x * grid.y * grid.z;
    static std::vector<size_t> order;
    order.resize(n);
    for (size_t i = 0; i < n; i++) order[i] = i;
    uint64_t state = 0x9E3779B97F4A7C15ull ^ (g_counts.launches * 0xD1B54A32D192ED03ull);
    for (size_t i = n; i > 1; i--) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        std::swap(order[i - 1], order[(size_t)((state >> 33) % i)]);
    }
    for (size_t i = 0; i < n; i++) {
        const size_t b = order[i];
        ddad_emu_block_idx.x = (unsigned)(b % grid.x);
        ddad_emu_block_idx.y = (unsigned)(b / grid.x % grid.y);
        ddad_emu_block_idx.z = (unsigned)(b / ((size_t)grid.x * grid.y));
        run_block(name, threads, (int)(g_counts.launches & 1));
        g_counts.blocks++;
        g_counts.threads += threads;
    }
    g_counts.launches++;
    g_body = NULL;
}

}   // namespace

void ddad_emu_launch(const char *name, dim3 grid, dim3 block, cudaStream_t stream, std::function<void()> call)
{
    if (!check_config(name, grid, block)) return;   // refused at the launch, captured or not
    ddad_emu_enqueue(stream, name, [name, grid, block, call]() { run_grid(name, grid, block, call); });
}

void ddad_emu_check_launch(const char *what, const char *file, int line)
{
    if (!g_error[0]) return;
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, g_error);
    exit(1);
}

void ddad_emu_shared_fresh(void *p, size_t bytes)
{
    // each declaration's address, and the block (its serial + 1) that last found it fresh
    static std::vector<std::pair<void *, unsigned long long>> seen;
    const unsigned long long block = g_counts.blocks + 1;
    for (auto &s : seen)
        if (s.first == p) {
            if (s.second != block) {
                memset(p, 0xFF, bytes);
                s.second = block;
            }
            return;
        }
    memset(p, 0xFF, bytes);
    seen.push_back({p, block});
}

ddad_emu_counts ddad_emu_totals(void) { return g_counts; }

extern "C" unsigned long long ddad_emu_launches(void) { return g_counts.launches; }

// A CPU emulator for the project's own CUDA kernels, so that their launchers and index
// arithmetic run in every test run, where no GPU is. A wrapper translation unit includes
// this header, then a src/cuda/*.cu file, and g++ compiles both as C++:
//   - __global__ and __device__ functions become host functions; shared memory, declared
//     with DDAD_SHARED / DDAD_SHARED_ARRAY (kernels.cuh; a plain __shared__ does not
//     compile here), becomes statics (one block runs at a time, so a static is the block's
//     shared memory), filled with 0xFF bytes at each block's first pass, so a read before
//     any write finds NaN or -1, not the previous block's values;
//   - DDAD_LAUNCH runs the grid block by block, in an order shuffled for each launch (a GPU
//     promises none, so results must not depend on it); each thread of a block is a fiber, and
//     __syncthreads() switches fibers, so a block's threads meet at every barrier as on the
//     GPU (a thread that exits while others wait at a barrier is reported as an error;
//     where the first thread exits without reaching one, the others run as plain calls);
//     threads run in index order and in reverse order in alternate rounds, so a missing
//     barrier shows as stale reads whichever neighbour a thread reads;
//   - launch configurations are checked with the GPU's limits, and DDAD_CHECK_LAUNCH ends
//     the run with the launch's name, as a failed launch would;
//   - the explicitly rounded intrinsics (__fadd_rn, ...) are plain IEEE operations, so
//     these wrappers are compiled without floating-point contraction.
// Only kernels that use no cuDNN, cuBLAS or runtime calls can run here (ddad_sgemm_gpu is
// replaced by gemm_emu.cpp); the libraries' convolutions, timing, and everything about
// concurrency between blocks are left to the GPU tests. (Where fibers switch by
// swapcontext, off x86-64, a blind spot: AddressSanitizer checks only heap accesses once a
// fiber has switched, as its swapcontext interceptor clears the fiber stack's shadow.)
#ifndef DDAD_TESTS_GPU_EMU_SIMT_EMU_H
#define DDAD_TESTS_GPU_EMU_SIMT_EMU_H

#ifndef DDAD_CUDA_EMU
#error "compile the emulator's translation units with -DDDAD_CUDA_EMU"
#endif

// The toolkit's headers give the types (dim3, uint3, cudaStream_t); their qualifier macros
// are replaced after them.
#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>

#include <functional>

#undef __global__
#undef __device__
#undef __shared__
#undef __forceinline__
#define __global__
#define __device__
// shared memory goes through DDAD_SHARED / DDAD_SHARED_ARRAY (below), which fill it for
// each block; a plain __shared__ declaration would be a static that keeps the last block's
// values, so it does not compile here
#define __shared__ static_assert(false, "declare shared memory with DDAD_SHARED or DDAD_SHARED_ARRAY (kernels.cuh)");
#define __forceinline__ inline

extern uint3 ddad_emu_thread_idx, ddad_emu_block_idx;
extern dim3 ddad_emu_block_dim, ddad_emu_grid_dim;
#define threadIdx ddad_emu_thread_idx
#define blockIdx ddad_emu_block_idx
#define blockDim ddad_emu_block_dim
#define gridDim ddad_emu_grid_dim

void ddad_emu_syncthreads(void);
#define __syncthreads() ddad_emu_syncthreads()

// Blocks run one at a time and threads switch only at barriers: atomics are plain
// read-modify-writes, and fences have nothing to order.
static inline unsigned atomicAdd(unsigned *p, unsigned v)
{
    unsigned old = *p;
    *p = old + v;
    return old;
}
static inline void __threadfence(void) {}

static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dmul_rn(double a, double b) { return a * b; }

// Shared memory as each block finds it: the block's first call for `p` fills its bytes
// with 0xFF; later calls in the same block leave it (simt_emu.cpp).
void ddad_emu_shared_fresh(void *p, size_t bytes);
#define DDAD_SHARED(type, name) \
    static type name;           \
    ddad_emu_shared_fresh(&name, sizeof name)
#define DDAD_SHARED_ARRAY(type, name, n) \
    static type name[n];                 \
    ddad_emu_shared_fresh(name, sizeof name)

// Ends the run (exit code 1) when the last launch was refused, naming it and `what`.
void ddad_emu_check_launch(const char *what, const char *file, int line);

// Threads, blocks and barrier rounds run so far (the tests print them, so a test that ran
// nothing shows it).
struct ddad_emu_counts {
    unsigned long long launches, blocks, threads, barriers;
};
ddad_emu_counts ddad_emu_totals(void);
extern "C" unsigned long long ddad_emu_launches(void);   // for the C tests (gpu_test.h)

// Work on a stream (streams_emu.cpp): done now, as every stream's work is done in issue
// order, or recorded while `stream` is being captured into a graph, and done at each
// replay. Work on the legacy default stream (0) during a capture is refused, as CUDA
// refuses it. `what` names the work for errors.
void ddad_emu_enqueue(cudaStream_t stream, const char *what, std::function<void()> work);

// Ends the run (exit code 1) if a stream is being captured: for the calls CUDA forbids
// during a capture (synchronous copies and fills, synchronisation, allocation).
void ddad_emu_no_capture(const char *call);

// A kernel and its arguments, converted to the parameters' types as at a <<<>>> launch
// (NULL included) and evaluated once, at the launch: a graph keeps these values, not the
// expressions, just as a captured CUDA kernel node keeps its parameters.
template <typename... P> struct ddad_emu_kernel_call {
    void (*kernel)(P...);
    std::function<void()> operator()(P... params) const
    {
        void (*k)(P...) = kernel;
        return [k, params...]() { k(params...); };
    }
};
template <typename... P> ddad_emu_kernel_call<P...> ddad_emu_kernel(void (*kernel)(P...)) { return {kernel}; }

// Runs `call` once per thread of every block on `stream` (simt_emu.cpp); `name` is the
// kernel's, for errors. A bad configuration runs nothing and is reported by the next
// ddad_emu_check_launch.
void ddad_emu_launch(const char *name, dim3 grid, dim3 block, cudaStream_t stream, std::function<void()> call);

// The launch runs `kernel` with the launch's arguments in every thread of the grid.
#define DDAD_LAUNCH(kernel, grid, block, stream, ...) \
    ddad_emu_launch(#kernel, dim3(grid), dim3(block), (stream), ddad_emu_kernel(kernel)(__VA_ARGS__))
#define DDAD_CHECK_LAUNCH(what) ddad_emu_check_launch((what), __FILE__, __LINE__)

#endif

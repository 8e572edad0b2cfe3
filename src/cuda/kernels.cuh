// Device helpers shared by the kernels: launch geometry and deterministic block reductions.
#ifndef DDAD_CUDA_KERNELS_CUH
#define DDAD_CUDA_KERNELS_CUH

#include <cuda_runtime.h>
#include <stddef.h>

#define DDAD_THREADS 256

// Every kernel launch goes through DDAD_LAUNCH (no dynamic shared memory), so that the
// tests' CPU emulator (tests/gpu/emu), which defines it first, can run the same launchers.
#ifndef DDAD_LAUNCH
#define DDAD_LAUNCH(kernel, grid, block, stream, ...) kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#endif

// Shared memory is declared through these, so that the emulator, which defines them first,
// can give each block shared memory filled with a pattern: on a GPU its contents are
// undefined when a block starts, and a read before any write must not go unseen there.
#ifndef DDAD_SHARED
#define DDAD_SHARED(type, name) __shared__ type name
#define DDAD_SHARED_ARRAY(type, name, n) __shared__ type name[n]
#endif

// Blocks for an elementwise kernel over n items with a grid-stride loop (capped: the loop
// covers the rest).
static inline unsigned ddad_blocks(size_t n)
{
    size_t b = (n + DDAD_THREADS - 1) / DDAD_THREADS;
    if (b < 1) b = 1;
    if (b > 65535) b = 65535;
    return (unsigned)b;
}

// Grid-stride kernels over `total` items can index in 32 bits (a few instructions to divide,
// where 64-bit division is a software routine) when total + the grid's stride < 2^32.
static inline int ddad_narrow_index(size_t total) { return total <= 0x7FFFFFFFu; }

// A templated kernel's 32-bit instantiation where `narrow`, else its size_t one; the
// arguments convert to either's parameter types.
#define LAUNCH_BY_INDEX(narrow, kernel, grid, stream, ...)                           \
    do {                                                                             \
        if (narrow)                                                                  \
            DDAD_LAUNCH(kernel<unsigned>, grid, DDAD_THREADS, stream, __VA_ARGS__); \
        else                                                                         \
            DDAD_LAUNCH(kernel<size_t>, grid, DDAD_THREADS, stream, __VA_ARGS__);   \
    } while (0)

// Sum over the block in a fixed tree order (same result on every run). All threads must
// call it; the result is valid in thread 0. blockDim.x must be DDAD_THREADS.
__device__ inline double ddad_block_sum(double v)
{
    DDAD_SHARED_ARRAY(double, sh, DDAD_THREADS);
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = DDAD_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();   // the buffer can be reused by a following call
    return r;
}

// The positions j of slice p of P of one BatchNorm channel's N x HW values that this thread
// visits, lo + threadIdx.x, then every blockDim.x, with the element's (sample, offset) =
// (j / HW, j % HW) carried along: one division per thread instead of a 64-bit division and
// modulo per element, which the H200 profile of the AE step found behind BatchNorm's cost.
// The elements and their order are those of the division, so the sums keep their bits.
// Index is unsigned where N x HW + blockDim.x < 2^32 (ddad_bn_narrow_walk), else size_t.
template <typename Index> struct ddad_bn_walk {
    Index j, hi, n, r, hw, step_n, step_r;

    __device__ ddad_bn_walk(int N, int HW, int P, int p)
    {
        const Index per = (Index)N * (Index)HW, chunk = (per + P - 1) / P, lo = (Index)p * chunk;
        hi = lo + chunk < per ? lo + chunk : per;
        hw = (Index)HW;
        step_n = blockDim.x / hw;
        step_r = blockDim.x % hw;
        j = lo + threadIdx.x;
        n = j / hw;
        r = j % hw;
    }
    __device__ bool more() const { return j < hi; }
    __device__ void next()
    {
        j += blockDim.x;
        n += step_n;
        r += step_r;   // both terms < hw: one carry at most
        if (r >= hw) {
            r -= hw;
            n++;
        }
    }
    // x[n][c][r] of an [N][C][HW] tensor
    __device__ size_t at(int C, int c) const { return ((size_t)n * C + c) * hw + r; }
};

static inline int ddad_bn_narrow_walk(int N, int HW) { return (size_t)N * HW <= 0xFFFFFFFFu - 65536u; }

// BatchNorm statistics: the sums of x and x^2 of channel c over slice p of P of its N x HW
// values (x is [N][C][HW]), in double, in a fixed order; valid in thread 0. One block per
// (slice, channel); the production kernel and the fused variant of the lab both use it.
template <typename Index>
__device__ inline void ddad_bn_slice_sums(int N, int C, int HW, int P, int p, int c, const float *__restrict__ x,
                                          double *s1_out, double *s2_out)
{
    double s1 = 0.0, s2 = 0.0;
    for (ddad_bn_walk<Index> w(N, HW, P, p); w.more(); w.next()) {
        double v = x[w.at(C, c)];
        s1 += v;
        s2 += v * v;
    }
    *s1_out = ddad_block_sum(s1);
    *s2_out = ddad_block_sum(s2);
}

#endif

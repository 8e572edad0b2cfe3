/* Status checks for the CUDA libraries. Each macro names the failing call, the source file
 * and line and the library's own message, then ends the job through ddad_fatal (exit code 1,
 * MPI_Abort when several ranks run). Usable from C and from CUDA C++. */
#ifndef DDAD_CUDA_CUDA_CHECK_H
#define DDAD_CUDA_CUDA_CHECK_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#ifdef DDAD_WITH_NCCL
#include <nccl.h>
#endif

#ifdef __cplusplus
#define DDAD_NORETURN [[noreturn]]
extern "C" {
#else
#define DDAD_NORETURN _Noreturn
#endif

DDAD_NORETURN void ddad_fatal_cuda(int rc, const char *call, const char *file, int line);
DDAD_NORETURN void ddad_fatal_cublas(int rc, const char *call, const char *file, int line);
DDAD_NORETURN void ddad_fatal_cudnn(int rc, const char *call, const char *file, int line);
DDAD_NORETURN void ddad_fatal_nccl(int rc, const char *call, const char *file, int line);

/* 1 when the work before ev has completed, 0 when not yet (ends the job on an error).
 * cudaEventQuery's "not ready" is also recorded as the runtime's last error; it is cleared
 * here, or the next DDAD_CHECK_LAUNCH would report it. */
int ddad_gpu_event_done(cudaEvent_t ev);

#ifdef __cplusplus
}
#endif

#define DDAD_CHECK_CUDA(call)                                                                   \
    do {                                                                                        \
        cudaError_t ddad_cu_rc_ = (call);                                                       \
        if (ddad_cu_rc_ != cudaSuccess) ddad_fatal_cuda((int)ddad_cu_rc_, #call, __FILE__, __LINE__); \
    } while (0)

/* After a kernel launch: catches bad launch configurations (not asynchronous faults). */
#ifndef DDAD_CHECK_LAUNCH   /* the tests' CPU emulator (tests/gpu/emu) defines its own */
#define DDAD_CHECK_LAUNCH(what) DDAD_CHECK_CUDA(cudaGetLastError())
#endif

#define DDAD_CHECK_CUBLAS(call)                                                                 \
    do {                                                                                        \
        cublasStatus_t ddad_cb_rc_ = (call);                                                    \
        if (ddad_cb_rc_ != CUBLAS_STATUS_SUCCESS)                                               \
            ddad_fatal_cublas((int)ddad_cb_rc_, #call, __FILE__, __LINE__);                     \
    } while (0)

#define DDAD_CHECK_CUDNN(call)                                                                  \
    do {                                                                                        \
        cudnnStatus_t ddad_cd_rc_ = (call);                                                     \
        if (ddad_cd_rc_ != CUDNN_STATUS_SUCCESS)                                                \
            ddad_fatal_cudnn((int)ddad_cd_rc_, #call, __FILE__, __LINE__);                      \
    } while (0)

#ifdef DDAD_WITH_NCCL
#define DDAD_CHECK_NCCL(call)                                                                   \
    do {                                                                                        \
        ncclResult_t ddad_nc_rc_ = (call);                                                      \
        if (ddad_nc_rc_ != ncclSuccess) ddad_fatal_nccl((int)ddad_nc_rc_, #call, __FILE__, __LINE__); \
    } while (0)
#endif

#endif

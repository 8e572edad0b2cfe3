// The fatal paths of the CUDA status checks: one message naming the call, file, line and
// the library's description of the error.
#include "cuda/cuda_check.h"

#include "cuda/c_api.h"

extern "C" void ddad_fatal_cuda(int rc, const char *call, const char *file, int line)
{
    ddad_fatal(DDAD_EXIT_RUNTIME, "CUDA call failed: %s (%s:%d): %s (%s)", call, file, line,
               cudaGetErrorString((cudaError_t)rc), cudaGetErrorName((cudaError_t)rc));
}

extern "C" void ddad_fatal_cublas(int rc, const char *call, const char *file, int line)
{
    ddad_fatal(DDAD_EXIT_RUNTIME, "cuBLAS call failed: %s (%s:%d): %s", call, file, line,
               cublasGetStatusString((cublasStatus_t)rc));
}

extern "C" void ddad_fatal_cudnn(int rc, const char *call, const char *file, int line)
{
    char detail[512];
    cudnnGetLastErrorString(detail, sizeof detail);
    ddad_fatal(DDAD_EXIT_RUNTIME, "cuDNN call failed: %s (%s:%d): %s%s%s", call, file, line,
               cudnnGetErrorString((cudnnStatus_t)rc), detail[0] ? ": " : "", detail);
}

extern "C" void ddad_fatal_nccl(int rc, const char *call, const char *file, int line)
{
#ifdef DDAD_WITH_NCCL
    ddad_fatal(DDAD_EXIT_RUNTIME, "NCCL call failed: %s (%s:%d): %s", call, file, line,
               ncclGetErrorString((ncclResult_t)rc));
#else
    ddad_fatal(DDAD_EXIT_RUNTIME, "NCCL call failed: %s (%s:%d): error %d (built without NCCL)", call, file,
               line, rc);
#endif
}

extern "C" int ddad_gpu_event_done(cudaEvent_t ev)
{
    const cudaError_t rc = cudaEventQuery(ev);
    if (rc == cudaErrorNotReady) {
        (void)cudaGetLastError();
        return 0;
    }
    DDAD_CHECK_CUDA(rc);
    return 1;
}

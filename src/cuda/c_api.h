/* The project's C headers, for inclusion from CUDA C++ translation units: C linkage, and
 * C11's _Noreturn spelled the C++ way. */
#ifndef DDAD_CUDA_C_API_H
#define DDAD_CUDA_C_API_H

#ifdef __cplusplus
#define _Noreturn [[noreturn]]
extern "C" {
#endif

#include "core/error.h"
#include "core/log.h"
#include "core/util.h"

#ifdef __cplusplus
}
#undef _Noreturn
#endif

#endif

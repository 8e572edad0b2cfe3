# -DDDAD_FUZZ=ON: the libFuzzer harnesses of tests/fuzz/ with AddressSanitizer and
# UndefinedBehaviorSanitizer, in a build directory of their own (docs/BUILDING.md):
#   cmake -S . -B build-fuzz -DDDAD_FUZZ=ON -DCMAKE_C_COMPILER=clang-14
# Everything in that build is instrumented (the readers, see tests/fuzz/fuzzers.cmake); CUDA,
# the tests and the benchmarks are left out of it.
option(DDAD_FUZZ "Build the libFuzzer harnesses (clang only; use a separate build directory)" OFF)
if(DDAD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DDAD_FUZZ=ON needs clang (libFuzzer), but the C compiler is ${CMAKE_C_COMPILER_ID} "
                        "(${CMAKE_C_COMPILER}). Configure a fresh build directory with -DCMAKE_C_COMPILER=clang-14 "
                        "(./launch/install-deps.sh --fuzz installs it).")
  endif()
  if(DDAD_CUDA STREQUAL "ON")
    message(FATAL_ERROR "DDAD_FUZZ=ON builds the CPU path only: drop -DDDAD_CUDA=ON")
  endif()
  set(DDAD_CUDA OFF CACHE STRING "Build the CUDA backend: AUTO, ON or OFF" FORCE)
  set(_fuzz_flags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                  -fno-omit-frame-pointer -g)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  check_c_source_compiles("#include <stddef.h>
    #include <stdint.h>
    int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }" DDAD_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(NOT DDAD_HAVE_LIBFUZZER)
    message(FATAL_ERROR "DDAD_FUZZ=ON: ${CMAKE_C_COMPILER} cannot link -fsanitize=fuzzer; install libFuzzer "
                        "(Debian: libclang-rt-14-dev, or ./launch/install-deps.sh --fuzz)")
  endif()
  add_compile_options(${_fuzz_flags})
  add_link_options(-fsanitize=address,undefined)
endif()

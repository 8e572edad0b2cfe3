# The libFuzzer executables (-DDDAD_FUZZ=ON, cmake/DdadFuzz.cmake): build-fuzz/fuzz/fuzz_<harness>.
# bench/fuzz/run.sh runs them; tests/fuzz/tests.cmake replays their corpus in the normal build.
#
# The CPU kernels use GCC's vector builtins, which clang lacks, so this build compiles the
# sources the readers need into a library of its own, and leaves ddadcore and ddad out of
# `all`.
set(_fz ${CMAKE_CURRENT_LIST_DIR})
set(DDAD_FUZZ_HARNESSES config medad image dataset run_files)
set_target_properties(ddadcore ddad PROPERTIES EXCLUDE_FROM_ALL ON)

file(GLOB _fuzz_lib_sources CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/src/core/*.c ${CMAKE_SOURCE_DIR}/src/io/*.c ${CMAKE_SOURCE_DIR}/src/dist/*.c
     ${CMAKE_SOURCE_DIR}/src/data/dataset*.c ${CMAKE_SOURCE_DIR}/src/data/image*.c ${CMAKE_SOURCE_DIR}/src/data/medad.c)
add_library(ddad_fuzz_readers STATIC ${_fuzz_lib_sources}
            ${CMAKE_SOURCE_DIR}/src/model/checkpoint.c ${CMAKE_SOURCE_DIR}/src/model/paramset.c
            ${CMAKE_SOURCE_DIR}/src/pipeline/ckpt.c ${CMAKE_SOURCE_DIR}/src/pipeline/run.c)
target_include_directories(ddad_fuzz_readers PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
target_link_libraries(ddad_fuzz_readers PUBLIC ddad_deps)

add_library(ddad_fuzz_common STATIC ${_fz}/fuzz_util.c ${_fz}/fuzz_net.c ${_fz}/fuzz_h5build.c)
target_link_libraries(ddad_fuzz_common PUBLIC ddad_fuzz_readers)
foreach(h ${DDAD_FUZZ_HARNESSES})
  add_executable(fuzz_${h} ${_fz}/fuzz_${h}.c)
  target_link_libraries(fuzz_${h} PRIVATE ddad_fuzz_common)
  target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_${h} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endforeach()

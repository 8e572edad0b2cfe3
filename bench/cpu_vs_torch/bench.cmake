# ddad's CPU networks vs PyTorch: bench/cpu_vs_torch/run.sh (never run by ctest).
add_executable(bench_cpu_vs_torch ${CMAKE_CURRENT_LIST_DIR}/bench_nn.c)
target_link_libraries(bench_cpu_vs_torch PRIVATE ddadcore)
target_compile_options(bench_cpu_vs_torch PRIVATE ${DDAD_C_WARNINGS})
set_target_properties(bench_cpu_vs_torch PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
if(DDAD_HAVE_CUDA)
  set_target_properties(bench_cpu_vs_torch PROPERTIES LINKER_LANGUAGE CUDA)
endif()

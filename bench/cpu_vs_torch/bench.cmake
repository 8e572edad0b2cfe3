# ddad's CPU networks vs PyTorch: bench/cpu_vs_torch/run.sh (never run by ctest), and three
# helpers for reading its figures: where a refiner step's time goes, the machine's rates,
# and the project's own CPU kernels against what they replaced.
function(ddad_cpu_bench name src)
  add_executable(${name} ${CMAKE_CURRENT_LIST_DIR}/${src})
  target_link_libraries(${name} PRIVATE ddadcore)
  target_compile_options(${name} PRIVATE ${DDAD_C_WARNINGS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  if(DDAD_HAVE_CUDA)
    set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CUDA)
  endif()
endfunction()
ddad_cpu_bench(bench_cpu_vs_torch bench_nn.c)
ddad_cpu_bench(bench_refine_layers refine_layers.c)
ddad_cpu_bench(bench_machine_rates machine_rates.c)
ddad_cpu_bench(bench_cpu_kernels cpu_kernels.c)

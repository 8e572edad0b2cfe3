# ddad's CPU networks vs PyTorch: bench/cpu_vs_torch/run.sh (never run by ctest), and two
# helpers for reading its refiner figure: where a step's time goes, and the machine's rates.
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

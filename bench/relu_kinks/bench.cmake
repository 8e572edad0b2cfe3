# ReLU kinks crossed by an ulp of input, and their effect on the gradients (the study
# behind gpu.models' ReLU-side check): build/bench/bench_relu_kinks [batch] [draws] [unc].
add_executable(bench_relu_kinks ${CMAKE_CURRENT_LIST_DIR}/relu_kinks.c)
target_link_libraries(bench_relu_kinks PRIVATE ddadcore)
target_compile_options(bench_relu_kinks PRIVATE ${DDAD_C_WARNINGS})
set_target_properties(bench_relu_kinks PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
if(DDAD_HAVE_CUDA)
  set_target_properties(bench_relu_kinks PROPERTIES LINKER_LANGUAGE CUDA)
endif()

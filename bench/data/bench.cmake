# Dataset reading speed (docs/DATA.md): bench_dataset_read FILE.h5 [batch]
add_executable(bench_dataset_read ${CMAKE_CURRENT_LIST_DIR}/bench_dataset_read.c)
target_link_libraries(bench_dataset_read PRIVATE ddadcore)
target_compile_options(bench_dataset_read PRIVATE ${DDAD_C_WARNINGS})
if(DDAD_HAVE_CUDA)
  set_target_properties(bench_dataset_read PROPERTIES LINKER_LANGUAGE CUDA)
endif()

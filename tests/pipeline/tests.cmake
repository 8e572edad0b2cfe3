# The MPI pipeline on configs/ci.yaml with the ci synth preset, oversubscribed.
set(_pipe_work ${CMAKE_BINARY_DIR}/pipeline-tests)
set(_pipe_env DDAD=$<TARGET_FILE:ddad> PY=${DDAD_PYTHON} SRC=${CMAKE_SOURCE_DIR} WORK=${_pipe_work})
if(TARGET ddad_emu)
  list(APPEND _pipe_env DDAD_EMU=$<TARGET_FILE:ddad_emu>)
endif()
ddad_add_test_exe(h5_data_offset ${CMAKE_CURRENT_LIST_DIR}/h5_data_offset.c)
list(APPEND _pipe_env H5OFF=$<TARGET_FILE:h5_data_offset>)
set(_pipe_sh ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.sh)

function(ddad_pipeline_test name labels)
  cmake_parse_arguments(P "" "SETUP" "REQUIRES" ${ARGN})
  add_test(NAME pipeline.${name} COMMAND ${CMAKE_COMMAND} -E env ${_pipe_env} bash ${_pipe_sh} ${name})
  set_tests_properties(pipeline.${name} PROPERTIES LABELS "${labels}" TIMEOUT 300)
  if(P_SETUP)
    set_tests_properties(pipeline.${name} PROPERTIES FIXTURES_SETUP "${P_SETUP}")
  endif()
  if(P_REQUIRES)
    set_tests_properties(pipeline.${name} PROPERTIES FIXTURES_REQUIRED "${P_REQUIRES}")
  endif()
endfunction()

ddad_pipeline_test(data mpi SETUP pipe_data)
ddad_pipeline_test(np1 mpi SETUP pipe_np1 REQUIRES pipe_data)
ddad_pipeline_test(np2 mpi SETUP pipe_np2 REQUIRES pipe_data)
ddad_pipeline_test(np6 mpi SETUP pipe_np6 REQUIRES pipe_data)
ddad_pipeline_test(repeat "mpi;python" REQUIRES "pipe_data;pipe_np2")
ddad_pipeline_test(ranks "mpi;python" REQUIRES "pipe_np1;pipe_np6")
ddad_pipeline_test(refiner_ranks "mpi;python" REQUIRES "pipe_np1")
ddad_pipeline_test(resume "mpi;python" REQUIRES "pipe_data;pipe_np2")
ddad_pipeline_test(resume_ranks "mpi;python" REQUIRES "pipe_data;pipe_np2")
ddad_pipeline_test(kill_resume "mpi;python" REQUIRES "pipe_data;pipe_np2")
ddad_pipeline_test(refuse_other_config mpi REQUIRES "pipe_data;pipe_np1")
# Damaged checkpoints and score files, and a resume under another setup, are refused.
ddad_pipeline_test(corrupt_checkpoints mpi REQUIRES "pipe_data;pipe_np1")
ddad_pipeline_test(resume_other_setup "mpi;python" REQUIRES "pipe_data;pipe_np1")
ddad_pipeline_test(fail_nan mpi REQUIRES pipe_data)
ddad_pipeline_test(fail_corrupt mpi REQUIRES pipe_data)
ddad_pipeline_test(fail_ranks mpi REQUIRES pipe_data)
ddad_pipeline_test(threads_env mpi REQUIRES pipe_data)
ddad_pipeline_test(missing_stage mpi REQUIRES pipe_data)
# The score and eval stages on the GPU against the CPU's; SKIPPED where no GPU is visible.
ddad_pipeline_test(gpu_stages "gpu;mpi;python" REQUIRES "pipe_data;pipe_np2")
set_tests_properties(pipeline.gpu_stages PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
# The same on the CPU emulator's GPU (tests/gpu/emu), wherever CUDA builds.
if(TARGET ddad_emu)
  ddad_pipeline_test(emu_stages "mpi;python;emu" REQUIRES "pipe_data;pipe_np2")
  ddad_pipeline_test(emu_placements "mpi;python;emu" SETUP pipe_emu_np REQUIRES pipe_data)
  # A GPU job preempted twice and run out of GPU memory once, resumed each time.
  ddad_pipeline_test(emu_interrupted "mpi;python;emu" REQUIRES "pipe_data;pipe_emu_np")
  # Preempted on the GPU and resumed on the CPU, and the other way round.
  ddad_pipeline_test(emu_cross_device "mpi;python;emu" REQUIRES "pipe_data;pipe_np2;pipe_emu_np")
endif()
ddad_pipeline_test(device mpi REQUIRES pipe_data)
ddad_pipeline_test(memae mpi REQUIRES pipe_data)
# The method's central claim: A_inter separates better than A_rec (by 0.05 AUROC) on a
# small synthetic set at 15 epochs (docs/DATA.md: why the synthetic data shows it).
ddad_pipeline_test(inter_beats_rec "mpi;python" REQUIRES pipe_data)
ddad_pipeline_test(report python REQUIRES pipe_np1)
ddad_pipeline_test(info "mpi;python" REQUIRES pipe_np1)
ddad_pipeline_test(to_torch python REQUIRES pipe_np1)

ddad_add_unit_test(pipeline.units test_pipeline_units ${CMAKE_CURRENT_LIST_DIR}/test_pipeline_units.c)
# its expected FPI pixels are computed inline, rounded as src/data/fpi.c rounds them
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/test_pipeline_units.c PROPERTIES COMPILE_OPTIONS
                            "-ffp-contract=off")

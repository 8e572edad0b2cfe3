# GPU tests: each compares the CUDA path with the CPU reference. They are built wherever the
# CUDA backend is; where no GPU is visible they exit with 77 and ctest reports them SKIPPED.
if(DDAD_HAVE_CUDA)
  set(DDAD_GPU_SKIP 77)
  # their expected FPI images are computed inline, rounded as src/data/fpi.c rounds them
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/test_gpu_ops.c ${CMAKE_CURRENT_LIST_DIR}/test_gpu_models.c
                              PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
  foreach(t test_gpu_layers test_gpu_ops test_gpu_models test_gpu_comm test_gpu_conv_gemm)
    ddad_add_test_exe(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
    target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endforeach()
  add_test(NAME gpu.layers COMMAND test_gpu_layers)
  add_test(NAME gpu.ops COMMAND test_gpu_ops)
  add_test(NAME gpu.models COMMAND test_gpu_models)
  add_test(NAME gpu.conv_gemm COMMAND test_gpu_conv_gemm)
  # the layers again with every convolution on the GEMM engine (gpu.layers: each plan's choice)
  add_test(NAME gpu.layers_gemm COMMAND test_gpu_layers)
  set_tests_properties(gpu.layers_gemm PROPERTIES ENVIRONMENT "DDAD_CONV_ENGINE=gemm")
  set_tests_properties(gpu.layers gpu.ops gpu.models gpu.conv_gemm gpu.layers_gemm PROPERTIES LABELS gpu
                       SKIP_RETURN_CODE ${DDAD_GPU_SKIP})
  # gpu.emu_layers, gpu.emu_ops: the same tests on the CPU emulator, wherever CUDA builds.
  include(${CMAKE_CURRENT_LIST_DIR}/emu/emu.cmake)
  # The trainers' loss-ring schedule: host code, runs without a GPU.
  ddad_add_unit_test(gpu.loss_drain test_loss_drain ${CMAKE_CURRENT_LIST_DIR}/test_loss_drain.c)
  target_include_directories(test_loss_drain PRIVATE ${DDAD_TEST_DIR})
  # Which ranks share a physical GPU, from device UUIDs: host code too.
  ddad_add_unit_test(gpu.group test_gpu_group ${CMAKE_CURRENT_LIST_DIR}/test_gpu_group.c)
  # The score and eval stages' chunk size and its test override: host code.
  ddad_add_unit_test(gpu.chunk test_gpu_chunk ${CMAKE_CURRENT_LIST_DIR}/test_gpu_chunk.c)
  # Ranks sharing one GPU (the hierarchy); with several GPUs, ranks spread over them.
  # np2 forces the NCCL communicator, so one GPU also runs the NCCL calls.
  foreach(np 2 3)
    add_test(NAME gpu.comm_np${np}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} --oversubscribe
                     $<TARGET_FILE:test_gpu_comm>)
    set(env "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
    if(np EQUAL 2)
      list(APPEND env "DDAD_NCCL_FORCE=1")
    endif()
    set_tests_properties(gpu.comm_np${np} PROPERTIES LABELS "gpu;mpi" SKIP_RETURN_CODE ${DDAD_GPU_SKIP}
                         ENVIRONMENT "${env}")
  endforeach()
endif()

# Dataset layer: the HDF5 format, synth, prepare (compared with Pillow), info, refusals.
set(DDAD_DATA_TEST_DIR ${CMAKE_BINARY_DIR}/test-data)

ddad_add_test_exe(test_dataset ${CMAKE_CURRENT_LIST_DIR}/test_dataset.c)
add_test(NAME data.roundtrip COMMAND test_dataset roundtrip ${DDAD_DATA_TEST_DIR}/roundtrip)
add_test(NAME data.synth_determinism
         COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} -DCMP=$<TARGET_FILE:test_dataset>
                 -DDIR=${DDAD_DATA_TEST_DIR}/synth -P ${CMAKE_CURRENT_LIST_DIR}/synth_determinism.cmake)
set_tests_properties(data.roundtrip data.synth_determinism PROPERTIES LABELS unit)

# Collective MPI-IO reads (parallel HDF5) from 3 ranks reading different ranges.
add_test(NAME data.roundtrip_mpi
         COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 3 --oversubscribe
                 $<TARGET_FILE:test_dataset> roundtrip ${DDAD_DATA_TEST_DIR}/roundtrip_mpi mpi)
set_tests_properties(data.roundtrip_mpi PROPERTIES LABELS "mpi;unit"
                     ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")

# prepare vs Pillow (python3-pil, python3-h5py): downscaling to 64 and up/down to 256.
foreach(size 64 256)
  add_test(NAME data.prepare_vs_pillow_${size}
           COMMAND ${DDAD_PYTHON} -W ignore ${CMAKE_CURRENT_LIST_DIR}/test_prepare_pillow.py ${DDAD_EXE}
                   ${DDAD_DATA_TEST_DIR}/pillow_${size} ${size})
  set_tests_properties(data.prepare_vs_pillow_${size} PROPERTIES LABELS python)
endforeach()

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

# Every refusal of prepare (exit 2, the culprit named, no file left); standard library only.
add_test(NAME data.prepare_refusals
         COMMAND ${DDAD_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_prepare_refusals.py ${DDAD_EXE}
                 ${DDAD_DATA_TEST_DIR}/refusals)
add_test(NAME data.info
         COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} -DHELPER=$<TARGET_FILE:test_dataset>
                 -DDIR=${DDAD_DATA_TEST_DIR}/info -P ${CMAKE_CURRENT_LIST_DIR}/info_checks.cmake)
set_tests_properties(data.prepare_refusals data.info PROPERTIES LABELS unit)

# Usage errors exit 2.
set(_expect ${CMAKE_CURRENT_LIST_DIR}/../expect_exit.cmake)
foreach(case
    "prepare_no_layout|prepare|dataset layout"
    "prepare_unknown_layout|prepare imagenet --root x --out y.h5|unknown dataset layout"
    "prepare_no_root|prepare medad --out y.h5|--root DIR is required"
    "prepare_bad_size|prepare medad --root x --out y.h5 --img-size 40|multiple of 16"
    "prepare_bad_threads|prepare medad --root x --out y.h5 --threads zero|expects an integer"
    "synth_no_out|synth --preset ci|--out FILE.h5 is required"
    "synth_bad_preset|synth --preset huge --out y.h5|unknown preset"
    "synth_bad_size|synth --preset ci --img-size 24 --out y.h5|multiple of 16"
    "synth_unknown_option|synth --colour red|unknown option"
    "synth_missing_value|synth --seed|needs a value")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 args)
  list(GET parts 2 regex)
  add_test(NAME data.cli_${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} "-DARGS=${args}" -DEXPECT_RC=2 "-DEXPECT_ERR=${regex}" -P ${_expect})
  set_tests_properties(data.cli_${name} PROPERTIES LABELS unit)
endforeach()

# --help works for each data subcommand.
add_test(NAME data.cli_help_prepare COMMAND ${DDAD_EXE} prepare --help)
add_test(NAME data.cli_help_synth COMMAND ${DDAD_EXE} synth --help)
add_test(NAME data.cli_help_info COMMAND ${DDAD_EXE} info --help)
set_tests_properties(data.cli_help_prepare data.cli_help_synth data.cli_help_info PROPERTIES LABELS unit
                     PASS_REGULAR_EXPRESSION "usage: ddad")

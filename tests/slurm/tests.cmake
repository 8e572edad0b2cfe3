# Tests through a real single-node Slurm (label slurm). The fixture slurm.up starts private
# munged/slurmctld/slurmd daemons (tests/slurm/slurm_up.sh) and slurm.down stops them by
# pid file; every other slurm test requires the fixture, so `ctest -L slurm` or
# `ctest -R slurm.harness` brings the cluster up and down around them.
# They need root and the Debian Slurm packages (launch/install-deps.sh --slurm); elsewhere
# slurm.up fails with a message saying so, and the tests report Not Run.
set(DDAD_SLURM_SRC ${CMAKE_CURRENT_LIST_DIR})
set(DDAD_SLURM_BIN ${CMAKE_BINARY_DIR}/tests/slurm)
set(DDAD_SLURM_STATE ${DDAD_SLURM_BIN}/cluster.env)

add_executable(slurm_mpi_hello ${DDAD_SLURM_SRC}/mpi_hello.c)
target_link_libraries(slurm_mpi_hello PRIVATE MPI::MPI_C)
target_compile_options(slurm_mpi_hello PRIVATE ${DDAD_C_WARNINGS})

add_test(NAME slurm.up COMMAND ${DDAD_SLURM_SRC}/slurm_up.sh ${DDAD_SLURM_STATE})
add_test(NAME slurm.down COMMAND ${DDAD_SLURM_SRC}/slurm_down.sh ${DDAD_SLURM_STATE})
set_tests_properties(slurm.up PROPERTIES FIXTURES_SETUP ddad_slurm LABELS slurm TIMEOUT 60)
set_tests_properties(slurm.down PROPERTIES FIXTURES_CLEANUP ddad_slurm LABELS slurm TIMEOUT 60)

# ddad_slurm_test(NAME SCRIPT [ARGS...] TIMEOUT seconds)
function(ddad_slurm_test name script)
  cmake_parse_arguments(T "" "TIMEOUT" "ARGS" ${ARGN})
  add_test(NAME slurm.${name} COMMAND ${DDAD_SLURM_SRC}/${script} ${T_ARGS})
  set_tests_properties(slurm.${name} PROPERTIES
    LABELS slurm
    FIXTURES_REQUIRED ddad_slurm
    RESOURCE_LOCK ddad_slurm_node      # one job at a time on the 8 advertised CPUs
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "DDAD_SLURM_STATE=${DDAD_SLURM_STATE};DDAD_ROOT=${PROJECT_SOURCE_DIR};DDAD=$<TARGET_FILE:ddad>;DDAD_PYTHON=${DDAD_PYTHON};DDAD_TEST_WORK=${DDAD_SLURM_BIN}/work/${name}")
endfunction()

ddad_slurm_test(harness test_harness.sh ARGS $<TARGET_FILE:slurm_mpi_hello> TIMEOUT 90)

# The project's own slurm/ scripts on configs/ci.yaml. slurm.job's run is the unpreempted
# reference that slurm.preempt and slurm.chain compare against bit for bit.
ddad_slurm_test(job test_job.sh TIMEOUT 150)
ddad_slurm_test(preempt test_preempt.sh TIMEOUT 200)
ddad_slurm_test(bad_config test_bad_config.sh TIMEOUT 150)
ddad_slurm_test(chain test_chain.sh TIMEOUT 240)
ddad_slurm_test(scaling test_scaling.sh TIMEOUT 180)
set_tests_properties(slurm.job PROPERTIES FIXTURES_SETUP ddad_slurm_reference)
set_tests_properties(slurm.preempt slurm.chain PROPERTIES FIXTURES_REQUIRED "ddad_slurm;ddad_slurm_reference")
ddad_slurm_test(requeue test_requeue.sh TIMEOUT 200)
set_tests_properties(slurm.requeue PROPERTIES FIXTURES_REQUIRED "ddad_slurm;ddad_slurm_reference")

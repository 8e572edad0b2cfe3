# Faults that must lose nothing: a rank that fails mid-collective, a disk that fills.
# The cases reuse the pipeline tests' data set and their uninterrupted 2-rank run (np2).
set(_faults_env DDAD=$<TARGET_FILE:ddad> PY=${DDAD_PYTHON} SRC=${CMAKE_SOURCE_DIR}
    WORK=${CMAKE_BINARY_DIR}/pipeline-tests)
set(_faults_sh ${CMAKE_CURRENT_LIST_DIR}/faults_test.sh)

function(ddad_faults_test name labels requires)
  add_test(NAME faults.${name} COMMAND ${CMAKE_COMMAND} -E env ${_faults_env} bash ${_faults_sh} ${name})
  # 77: no private mount namespace or tmpfs here (not root, or a restricted container)
  set_tests_properties(faults.${name} PROPERTIES LABELS "${labels}" TIMEOUT 300 SKIP_RETURN_CODE 77)
  if(requires)
    set_tests_properties(faults.${name} PROPERTIES FIXTURES_REQUIRED "${requires}")
  endif()
endfunction()

ddad_faults_test(rank_fails_refine "faults;mpi;python" "pipe_data;pipe_np2")
ddad_faults_test(rank_fails_eval "faults;mpi" "pipe_data;pipe_np2")
ddad_faults_test(disk_full_run "faults;mpi;python" "pipe_data;pipe_np2")
ddad_faults_test(disk_full_synth faults "")
ddad_faults_test(disk_full_prepare "faults;python" "")

# Runs metrics_dump, then compare_sklearn.py on its output.
# Usage: cmake -DDUMP=metrics_dump -DPYTHON=python3 -DSCRIPT=compare_sklearn.py -DWORK=dir -P run_compare.cmake
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${DUMP} ${WORK}/metrics_dump.txt RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "metrics_dump failed (${rc})")
endif()
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${WORK}/metrics_dump.txt RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the C metrics differ from scikit-learn / numpy (exit ${rc})")
endif()

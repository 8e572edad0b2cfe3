# Evaluation metrics: exact AUROC / AP / pixel AUROC / best Dice / chi-square distance.
set(_eval_dir ${CMAKE_CURRENT_LIST_DIR})

ddad_add_unit_test(eval.metrics test_metrics ${_eval_dir}/test_metrics.c)

ddad_add_test_exe(metrics_dump ${_eval_dir}/metrics_dump.c)
add_test(NAME eval.metrics_vs_sklearn
         COMMAND ${CMAKE_COMMAND} -DDUMP=$<TARGET_FILE:metrics_dump> -DPYTHON=${DDAD_PYTHON}
                 -DSCRIPT=${_eval_dir}/compare_sklearn.py -DWORK=${CMAKE_CURRENT_BINARY_DIR}/eval_metrics
                 -P ${_eval_dir}/run_compare.cmake)
set_tests_properties(eval.metrics_vs_sklearn PROPERTIES LABELS "unit;python")

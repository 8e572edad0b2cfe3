# NN core unit tests: synchronised BatchNorm, determinism across thread counts, checkpoints,
# finite-difference gradient checks of every layer.
ddad_add_test_exe(test_sync_bn ${CMAKE_CURRENT_LIST_DIR}/test_sync_bn.c)
add_test(NAME nn.sync_bn COMMAND test_sync_bn)
set_tests_properties(nn.sync_bn PROPERTIES LABELS unit)
ddad_add_test_exe(test_determinism ${CMAKE_CURRENT_LIST_DIR}/test_determinism.c)
add_test(NAME nn.determinism_threads COMMAND test_determinism)
set_tests_properties(nn.determinism_threads PROPERTIES LABELS unit)
ddad_add_test_exe(test_checkpoint ${CMAKE_CURRENT_LIST_DIR}/test_checkpoint.c)
add_test(NAME nn.checkpoint COMMAND test_checkpoint)
set_tests_properties(nn.checkpoint PROPERTIES LABELS unit)
ddad_add_test_exe(test_layers_fd ${CMAKE_CURRENT_LIST_DIR}/test_layers_fd.c)
add_test(NAME nn.layers_finite_difference COMMAND test_layers_fd)
set_tests_properties(nn.layers_finite_difference PROPERTIES LABELS unit)

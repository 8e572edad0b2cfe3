# NN core unit tests: synchronised BatchNorm, determinism across thread counts, checkpoints,
# finite-difference gradient checks of every layer, the convolution algorithms against
# float64, per-sample AE forwards, split-invariant (grained) sums, SGEMM against float64.
ddad_add_unit_test(nn.sync_bn test_sync_bn ${CMAKE_CURRENT_LIST_DIR}/test_sync_bn.c)
ddad_add_unit_test(nn.determinism_threads test_determinism ${CMAKE_CURRENT_LIST_DIR}/test_determinism.c)
ddad_add_unit_test(nn.checkpoint test_checkpoint ${CMAKE_CURRENT_LIST_DIR}/test_checkpoint.c)
ddad_add_unit_test(nn.layers_finite_difference test_layers_fd ${CMAKE_CURRENT_LIST_DIR}/test_layers_fd.c)
ddad_add_unit_test(nn.split_invariant_grads test_split_grads ${CMAKE_CURRENT_LIST_DIR}/test_split_grads.c)
ddad_add_unit_test(nn.conv_algorithms test_conv_algos ${CMAKE_CURRENT_LIST_DIR}/test_conv_algos.c)
ddad_add_unit_test(nn.ae_per_sample test_per_sample ${CMAKE_CURRENT_LIST_DIR}/test_per_sample.c)
ddad_add_unit_test(nn.sum_grain test_sum_grain ${CMAKE_CURRENT_LIST_DIR}/test_sum_grain.c)
ddad_add_unit_test(nn.gemm test_gemm ${CMAKE_CURRENT_LIST_DIR}/test_gemm.c)

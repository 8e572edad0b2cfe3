# PyTorch parity: make_parity.py (Debian's python3-torch) writes the reference results,
# test_parity checks the C networks against them. A missing torch fails the generator.
ddad_add_test_exe(test_parity ${CMAKE_CURRENT_LIST_DIR}/test_parity.c)
target_include_directories(test_parity PRIVATE ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME parity.generate
         COMMAND ${DDAD_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_parity.py ${CMAKE_CURRENT_BINARY_DIR}/parity.h5)
set_tests_properties(parity.generate PROPERTIES FIXTURES_SETUP parity_data LABELS "parity;python")
add_test(NAME parity.check COMMAND test_parity ${CMAKE_CURRENT_BINARY_DIR}/parity.h5)
set_tests_properties(parity.check PROPERTIES FIXTURES_REQUIRED parity_data LABELS parity)

# The checkpoint converter: C writes a run's results file, analysis/ddad_to_torch.py turns
# it into .pth files that load strictly into PyTorch modules and reproduce the C outputs.
ddad_add_test_exe(write_results ${CMAKE_CURRENT_LIST_DIR}/write_results.c)
add_test(NAME parity.converter_setup
         COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/converter_run)
add_test(NAME parity.converter_write COMMAND write_results ${CMAKE_CURRENT_BINARY_DIR}/converter_run)
add_test(NAME parity.converter
         COMMAND ${DDAD_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/check_converter.py ${CMAKE_CURRENT_BINARY_DIR}/converter_run
                 ${CMAKE_CURRENT_BINARY_DIR}/converter_pth)
set_tests_properties(parity.converter_setup PROPERTIES FIXTURES_SETUP converter_dir LABELS parity)
set_tests_properties(parity.converter_write PROPERTIES FIXTURES_REQUIRED converter_dir FIXTURES_SETUP converter_run
                     LABELS parity)
set_tests_properties(parity.converter PROPERTIES FIXTURES_REQUIRED converter_run LABELS "parity;python")

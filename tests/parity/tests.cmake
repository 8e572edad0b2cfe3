# PyTorch parity: make_parity.py (Debian's python3-torch) writes the reference results,
# test_parity checks the C networks against them. A missing torch fails the generator.
ddad_add_test_exe(test_parity ${CMAKE_CURRENT_LIST_DIR}/test_parity.c)
target_include_directories(test_parity PRIVATE ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME parity.generate
         COMMAND ${DDAD_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_parity.py ${CMAKE_CURRENT_BINARY_DIR}/parity.h5)
set_tests_properties(parity.generate PROPERTIES FIXTURES_SETUP parity_data LABELS "parity;python")
add_test(NAME parity.check COMMAND test_parity ${CMAKE_CURRENT_BINARY_DIR}/parity.h5)
set_tests_properties(parity.check PROPERTIES FIXTURES_REQUIRED parity_data LABELS parity)

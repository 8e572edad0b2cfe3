ddad_add_unit_test(core.rng_and_util test_core ${CMAKE_CURRENT_LIST_DIR}/test_core.c)

add_test(NAME cli.help COMMAND ${DDAD_EXE} --help)
add_test(NAME cli.version COMMAND ${DDAD_EXE} --version)
set_tests_properties(cli.version PROPERTIES PASS_REGULAR_EXPRESSION "ddad [0-9]+\\.[0-9]+\\.[0-9]+ \\(git ")
add_test(NAME cli.unknown_command COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} -DARGS=frobnicate -DEXPECT_RC=2
         -DEXPECT_ERR=unknown -P ${CMAKE_CURRENT_LIST_DIR}/../expect_exit.cmake)
set_tests_properties(cli.help cli.version cli.unknown_command PROPERTIES LABELS unit)
ddad_add_unit_test(core.free_space test_free_space ${CMAKE_CURRENT_LIST_DIR}/test_free_space.c)

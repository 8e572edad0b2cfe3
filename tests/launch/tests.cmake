# launch/ddad-run: the command line it builds and its options.
add_test(NAME launch.ddad_run COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_ddad_run.sh ${PROJECT_SOURCE_DIR}
         $<TARGET_FILE:ddad> ${CMAKE_BINARY_DIR}/tests/launch/work)
set_tests_properties(launch.ddad_run PROPERTIES LABELS unit TIMEOUT 60)

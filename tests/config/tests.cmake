# The configuration loader and `ddad config`.
set(_cfg_dir ${CMAKE_CURRENT_LIST_DIR})
set(_cfg_expect ${CMAKE_CURRENT_LIST_DIR}/../expect_exit.cmake)

ddad_add_test_exe(test_config ${_cfg_dir}/test_config.c)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/config_scratch)
add_test(NAME config.loader COMMAND test_config ${_cfg_dir}/fixtures ${CMAKE_CURRENT_BINARY_DIR}/config_scratch)
set_tests_properties(config.loader PROPERTIES LABELS unit)
# Every key of the table says what it changes in training, and the setup key follows it.
ddad_add_unit_test(config.train_keys test_train_keys ${_cfg_dir}/test_train_keys.c)

# Every reference config and every shipped config is accepted by the command.
file(GLOB _cfg_files ${_cfg_dir}/fixtures/*.yaml ${_cfg_dir}/../../configs/*.yaml)
foreach(f ${_cfg_files})
  get_filename_component(_name ${f} NAME_WE)
  get_filename_component(_parent ${f} DIRECTORY)
  get_filename_component(_parent ${_parent} NAME)
  add_test(NAME config.cli.valid.${_parent}.${_name} COMMAND ${DDAD_EXE} config --config ${f})
  set_tests_properties(config.cli.valid.${_parent}.${_name} PROPERTIES LABELS unit
                       PASS_REGULAR_EXPRESSION "RefineSolver:.*grad_clip:.*Output:")
endforeach()

add_test(NAME config.cli.roundtrip COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} -DCONFIG=${_cfg_dir}/../../configs/demo.yaml
         -DWORK=${CMAKE_CURRENT_BINARY_DIR}/config_roundtrip -P ${_cfg_dir}/cli_roundtrip.cmake)
add_test(NAME config.cli.help COMMAND ${DDAD_EXE} config --help)
set_tests_properties(config.cli.help PROPERTIES PASS_REGULAR_EXPRESSION "usage: ddad config")

# Failures: exit 2 and a message with the place and the fix.
function(ddad_config_cli_fails name args regex)
  add_test(NAME config.cli.${name} COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE} "-DARGS=config ${args}"
           -DEXPECT_RC=2 "-DEXPECT_ERR=${regex}" -P ${_cfg_expect})
  set_tests_properties(config.cli.${name} PROPERTIES LABELS unit)
endfunction()
set(_rsna ${_cfg_dir}/fixtures/RSNA_AE.yaml)
ddad_config_cli_fails(unknown_option "--config ${_rsna} --frobnicate" "unknown option '--frobnicate'.*--help")
ddad_config_cli_fails(no_config "" "--config FILE is required")
ddad_config_cli_fails(missing_value "--config" "needs a value")
ddad_config_cli_fails(stray_argument "${_rsna}" "unexpected argument")
ddad_config_cli_fails(missing_file "--config ${_cfg_dir}/fixtures/none.yaml" "cannot open config .*none.yaml")
ddad_config_cli_fails(set_type "--config ${_rsna} --set Solver.bs=abc"
                      "--set 'Solver.bs=abc': Solver.bs must be an integer, got 'abc'")
ddad_config_cli_fails(set_range "--config ${_rsna} --set Data.img_size=50" "--set 'Data.img_size=50'.*multiple of 16")
ddad_config_cli_fails(set_unknown "--config ${_rsna} --set Solver.num_epochs=1" "did you mean 'num_epoch'")
ddad_config_cli_fails(set_members "--config ${_rsna} --set Ensemble.members=1" "Ensemble.members must be >= 2")
ddad_config_cli_fails(file_unknown_key "--config ${_cfg_dir}/invalid/typo.yaml"
                      "typo.yaml:4: unknown key 'num_epochs' in section Solver; did you mean 'num_epoch'")
ddad_config_cli_fails(file_not_yaml "--config ${_cfg_dir}/invalid/not_yaml.yaml" "not_yaml.yaml:[0-9]+:[0-9]+: not valid YAML")
ddad_config_cli_fails(file_bad_lr "--config ${_cfg_dir}/invalid/zero_lr.yaml" "zero_lr.yaml:6: Solver.lr must be > 0")

# A data file that does not exist is a warning, not an error.
add_test(NAME config.cli.missing_data_warns COMMAND ${CMAKE_COMMAND} -DEXE=${DDAD_EXE}
         "-DARGS=config --config ${_rsna} --set Data.file=/nonexistent/x.h5" -DEXPECT_RC=0
         "-DEXPECT_ERR=warning: the data file '/nonexistent/x.h5'.*ddad prepare medad --root" -P ${_cfg_expect})
set_tests_properties(config.cli.roundtrip config.cli.help config.cli.missing_data_warns PROPERTIES LABELS unit)

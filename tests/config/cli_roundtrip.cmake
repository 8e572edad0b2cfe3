# `ddad config` prints YAML that `ddad config` reads back to the same effective config.
# Usage: cmake -DEXE=ddad -DCONFIG=C.yaml -DWORK=dir -P cli_roundtrip.cmake
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${EXE} config --config ${CONFIG} --set Solver.lr=1e-3 --set Output.save_maps=yes
                RESULT_VARIABLE rc OUTPUT_FILE ${WORK}/pass1.yaml ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ddad config ${CONFIG} failed (${rc}):\n${err}")
endif()
execute_process(COMMAND ${EXE} config --config ${WORK}/pass1.yaml
                RESULT_VARIABLE rc OUTPUT_FILE ${WORK}/pass2.yaml ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ddad config could not read its own output (${rc}):\n${err}")
endif()
file(STRINGS ${WORK}/pass1.yaml a)
file(STRINGS ${WORK}/pass2.yaml b)
list(REMOVE_AT a 0)   # the "from FILE" comment line differs
list(REMOVE_AT b 0)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "the effective config changed on the round trip:\n${a}\n---\n${b}")
endif()
if(NOT a MATCHES "lr: 0\\.001" OR NOT a MATCHES "save_maps: true")
  message(FATAL_ERROR "the overrides are missing from the effective config:\n${a}")
endif()

# Corpus replay of the fuzz harnesses (the normal build; libFuzzer builds them with
# -DDDAD_FUZZ=ON, tests/fuzz/fuzzers.cmake): each harness, linked with replay_main.c,
# reads every file of tests/fuzz/corpus/<harness>/, seeds and past findings alike.
set(_fz ${CMAKE_CURRENT_LIST_DIR})
set(DDAD_FUZZ_HARNESSES config medad image dataset run_files)

add_library(ddad_fuzz_common STATIC ${_fz}/fuzz_util.c ${_fz}/fuzz_net.c ${_fz}/fuzz_h5build.c)
target_link_libraries(ddad_fuzz_common PUBLIC ddadcore)
target_compile_options(ddad_fuzz_common PRIVATE ${DDAD_C_WARNINGS})

foreach(h ${DDAD_FUZZ_HARNESSES})
  ddad_add_test_exe(fuzz_replay_${h} ${_fz}/fuzz_${h}.c ${_fz}/replay_main.c)
  target_link_libraries(fuzz_replay_${h} PRIVATE ddad_fuzz_common)
  add_test(NAME fuzz.replay.${h} COMMAND fuzz_replay_${h} ${_fz}/corpus/${h})
  set_tests_properties(fuzz.replay.${h} PROPERTIES LABELS "fuzz;unit" TIMEOUT 60
                       PASS_REGULAR_EXPRESSION "replayed [1-9][0-9]* input")
endforeach()

# Writes the binary seeds of the corpus: fuzz_make_seeds OUTDIR (not a test).
ddad_add_test_exe(fuzz_make_seeds ${_fz}/make_seeds.c)
target_link_libraries(fuzz_make_seeds PRIVATE ddad_fuzz_common)

# The recipe seeds (fuzz_h5build.h) build files the readers accept.
ddad_add_test_exe(fuzz_recipe_check ${_fz}/recipe_check.c)
target_link_libraries(fuzz_recipe_check PRIVATE ddad_fuzz_common)
add_test(NAME fuzz.recipe.dataset COMMAND fuzz_recipe_check dataset ${_fz}/corpus/dataset/masks.h5.recipe)
add_test(NAME fuzz.recipe.checkpoint COMMAND fuzz_recipe_check checkpoint ${_fz}/corpus/run_files/member.h5.recipe)
set_tests_properties(fuzz.recipe.dataset PROPERTIES LABELS "fuzz;unit" PASS_REGULAR_EXPRESSION "img_size 4, counts 2 1 1 2, masks 1")
set_tests_properties(fuzz.recipe.checkpoint PROPERTIES LABELS "fuzz;unit" PASS_REGULAR_EXPRESSION "epoch 2, batch 1, step 7")

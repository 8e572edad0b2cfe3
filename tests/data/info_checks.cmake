# ddad info: a dataset summary, sharded too; a shard, an unknown kind, a non-HDF5 file and a
# missing file are refused with exit 2.
# Usage: cmake -DEXE=ddad -DHELPER=test_dataset -DDIR=work_dir -P info_checks.cmake
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
function(expect rc_want out_regex err_regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL rc_want OR NOT out MATCHES "${out_regex}" OR NOT err MATCHES "${err_regex}")
    message(FATAL_ERROR "${ARGN}: exit ${rc} (want ${rc_want})\nstdout:\n${out}\nstderr:\n${err}\n"
                        "wanted stdout ~ '${out_regex}', stderr ~ '${err_regex}'")
  endif()
  message(STATUS "${out}${err}")
endfunction()
expect(0 "" "" ${EXE} synth --preset ci --seed 3 --out ${DIR}/ci.h5)
expect(0 "format version 1.*image size +32 x 32.*train/normal +96 images.*pool1 +64 images \\(hidden labels: 0 normal, 64 abnormal\\).*test +64 images \\(labels: 32 normal, 32 abnormal\\).*test masks +yes.*1 file.*deflate level 1"
       "" ${EXE} info ${DIR}/ci.h5)
expect(0 "" "" ${EXE} synth --preset ci --seed 3 --shards 2 --deflate 0 --out ${DIR}/sharded.h5)
expect(0 "total +288 images.*index \\+ 2 shard files.*no compression" "" ${EXE} info ${DIR}/sharded.h5)
expect(2 "" "one shard of a dataset" ${EXE} info ${DIR}/sharded.shard-001-of-002.h5)
expect(0 "" "" ${HELPER} mkkind ${DIR}/odd.h5 spaceship)
expect(2 "" "kind \"spaceship\", which 'ddad info' does not know" ${EXE} info ${DIR}/odd.h5)
file(WRITE ${DIR}/text.h5 "not hdf5\n")
expect(2 "" "is not an HDF5 file" ${EXE} info ${DIR}/text.h5)
expect(2 "" "cannot open .*missing.h5" ${EXE} info ${DIR}/missing.h5)
expect(2 "" "which file" ${EXE} info)
file(REMOVE_RECURSE ${DIR})

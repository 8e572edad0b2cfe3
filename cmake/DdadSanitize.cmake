# DDAD_SANITIZE: the list for -fsanitize= (e.g. address,undefined), applied to every C and
# C++ source and, through -Xcompiler, to the host code of the CUDA sources; empty: none.
# Reports are errors (-fno-sanitize-recover=all) with full stacks (frame pointers, -g).
set(DDAD_SANITIZE "" CACHE STRING "Sanitizers for -fsanitize= (e.g. address,undefined); empty for none")

function(ddad_apply_sanitizers)
  if(DDAD_SANITIZE STREQUAL "")
    return()
  endif()
  set(flags -fsanitize=${DDAD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  # Every link, those of executables with CUDA objects too, runs the host compiler. GCC's
  # runtimes go in statically: its shared libasan and libubsan each keep their own report
  # file, so UBSan's reports would ignore log_path; linked in, they share one.
  set(link -fsanitize=${DDAD_SANITIZE})
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    if(DDAD_SANITIZE MATCHES "(^|,)address(,|$)")
      list(APPEND link -static-libasan)
    endif()
    if(DDAD_SANITIZE MATCHES "(^|,)undefined(,|$)")
      list(APPEND link -static-libubsan)
    endif()
  endif()

  include(CheckCSourceCompiles)
  list(JOIN flags " " CMAKE_REQUIRED_FLAGS)
  set(CMAKE_REQUIRED_LINK_OPTIONS ${link})
  check_c_source_compiles("int main(void) { return 0; }" DDAD_SANITIZE_OK_${DDAD_SANITIZE})
  if(NOT DDAD_SANITIZE_OK_${DDAD_SANITIZE})
    message(FATAL_ERROR "DDAD_SANITIZE=${DDAD_SANITIZE}: the C compiler cannot build and link with "
                        "-fsanitize=${DDAD_SANITIZE}; name sanitizers it supports (e.g. address,undefined) "
                        "and install their runtimes (gcc: libasan, libubsan), or pass -DDDAD_SANITIZE= (empty)")
  endif()

  # UBSan's nonnull-attribute check puts a null branch before each call with a nonnull
  # argument, and GCC 12's -Wnonnull then warns about the call on that branch (fgets of a
  # ddad_malloc'd buffer in src/pipeline/run.c): off here, the unsanitized build keeps it.
  # -Wformat-truncation likewise sees a null destination on such a branch (snprintf into the
  # caller's buffer in src/io/config_emit.c).
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${flags};-Wno-nonnull;-Wno-format-truncation>")
  add_link_options(${link})
  if(DDAD_HAVE_CUDA)
    # nvcc splits an -Xcompiler value at commas, so each sanitizer goes in its own flag.
    string(REPLACE "," ";" names "${DDAD_SANITIZE}")
    set(host "")
    foreach(n ${names})
      list(APPEND host -Xcompiler=-fsanitize=${n})
    endforeach()
    add_compile_options("$<$<COMPILE_LANGUAGE:CUDA>:${host};-Xcompiler=-fno-sanitize-recover=all;-Xcompiler=-fno-omit-frame-pointer;-g>")
  endif()
endfunction()

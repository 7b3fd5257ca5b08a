# Writes OUT, a header defining TS_GIT_COMMIT: the short commit of the checkout at SRC, with "-dirty" when tracked
# files differ from it, or "unknown" outside a git checkout (a copied tree, a tarball). bench/CMakeLists.txt runs
# it at every build; the file changes only when the text does, so a new commit recompiles bench/BuildCommit.cpp alone.
set(commit "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" rev-parse --show-toplevel --short HEAD
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0)
    string(REPLACE "\n" ";" out "${out}")
    list(GET out 0 top)
    list(GET out 1 head)
    get_filename_component(top "${top}" REALPATH)
    get_filename_component(src "${SRC}" REALPATH)
    if(top STREQUAL src)  # not a tree copied into some other repository
      set(commit "${head}")
      execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" status --porcelain --untracked-files=no
                      OUTPUT_VARIABLE changes ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(changes)
        string(APPEND commit "-dirty")
      endif()
    endif()
  endif()
endif()
file(CONFIGURE OUTPUT "${OUT}" CONTENT "#pragma once\n#define TS_GIT_COMMIT \"${commit}\"\n")

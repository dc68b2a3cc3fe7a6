# torsion_warnings: the warning set every torsion target compiles with (STYLE.md rule 37).
# Linked PRIVATE, so consumers of the library never inherit these flags.
add_library(torsion_warnings INTERFACE)

target_compile_options(torsion_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Woverloaded-virtual -Wold-style-cast -Wcast-qual -Wformat=2 -Wimplicit-fallthrough
  -Wmissing-declarations -Wextra-semi -Wundef -Wnull-dereference)

if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(torsion_warnings INTERFACE
    -Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wuseless-cast)
elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(torsion_warnings INTERFACE -Wshadow-all -Wcomma -Wunreachable-code)
endif()

if(TORSION_WERROR)
  target_compile_options(torsion_warnings INTERFACE -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 has known false positives in these families at -O2 (GCC PR105329, PR106199,
    # PR105651); keep them as warnings rather than turning warnings off wholesale.
    target_compile_options(torsion_warnings INTERFACE
      -Wno-error=array-bounds -Wno-error=stringop-overflow -Wno-error=restrict)
  endif()
endif()

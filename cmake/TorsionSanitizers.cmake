# torsion_sanitizers: compile and link flags for TORSION_SANITIZE (STYLE.md rule 38).
add_library(torsion_sanitizers INTERFACE)

if(TORSION_SANITIZE STREQUAL "address,undefined")
  set(_torsion_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(torsion_sanitizers INTERFACE ${_torsion_san})
  target_link_options(torsion_sanitizers INTERFACE ${_torsion_san})
  # Bounds-checked standard containers; ABI-safe, unlike _GLIBCXX_DEBUG.
  target_compile_definitions(torsion_sanitizers INTERFACE _GLIBCXX_ASSERTIONS)
elseif(TORSION_SANITIZE STREQUAL "thread")
  target_compile_options(torsion_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(torsion_sanitizers INTERFACE -fsanitize=thread)
elseif(NOT TORSION_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TORSION_SANITIZE must be empty, address,undefined or thread; got '${TORSION_SANITIZE}'")
endif()

# torsion_check_headers: compiles every public header on its own (STYLE.md rule 3), so a header
# that forgets an include fails the build instead of the first user who includes it first.
# Headers are found by glob so a new one is checked without anyone remembering to list it.
function(torsion_add_header_check)
  set(sources "")
  foreach(module deferred deferred/testing reactor transports protocols protocols/application)
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS
         "${PROJECT_SOURCE_DIR}/${module}/include/torsion/*.hpp")
    foreach(header IN LISTS headers)
      file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}/${module}/include" "${header}")
      string(MAKE_C_IDENTIFIER "${rel}" name)
      set(cpp "${PROJECT_BINARY_DIR}/check_headers/${name}.cpp")
      file(CONFIGURE OUTPUT "${cpp}" CONTENT "#include <${rel}>\n")
      list(APPEND sources "${cpp}")
    endforeach()
  endforeach()
  add_library(torsion_check_headers OBJECT ${sources})
  target_link_libraries(torsion_check_headers PRIVATE torsion::torsion torsion::testing
                                                      torsion_warnings)
endfunction()

# Helpers that give every module and test executable the same shape (STYLE.md rules 1, 29, 35).

# torsion_add_module(NAME <name> SOURCES <src...> [PUBLIC_DEPS <targets...>] [PRIVATE_DEPS <targets...>])
# Builds the static library torsion_<name> with the alias torsion::<name>, public headers under
# <name>/include, and installs both into the torsionTargets export set.
function(torsion_add_module)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target torsion_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(torsion::${ARG_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${ARG_NAME} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS}
                        $<BUILD_INTERFACE:torsion_warnings> $<BUILD_INTERFACE:torsion_sanitizers>)
  install(TARGETS ${target} EXPORT torsionTargets)
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# torsion_add_tests(NAME <module> SOURCES <src...> [LIBS <targets...>])
# One Catch2 executable per module (torsion_<module>_tests), each test case registered with ctest
# and labelled with the module name so that `ctest -L <module>` runs just those.
function(torsion_add_tests)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  set(target torsion_${ARG_NAME}_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} Catch2::Catch2WithMain torsion_warnings
                        torsion_sanitizers)
  catch_discover_tests(${target} TEST_PREFIX "${ARG_NAME}: " PROPERTIES LABELS ${ARG_NAME}
                       TIMEOUT 120)
endfunction()

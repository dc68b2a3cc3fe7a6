# Configures, builds and runs tests/consumer against torsion, as a consumer project would.
# Usage: cmake -DMODE=package|subdirectory -DTORSION_BUILD_DIR=... -DTORSION_SOURCE_DIR=...
#              -DWORK_DIR=... -P check.cmake
foreach(var MODE TORSION_BUILD_DIR TORSION_SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake needs -D${var}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  message(STATUS "${out}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(consumer_args -S "${TORSION_SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" -G Ninja
                  -DCMAKE_BUILD_TYPE=Release -DTORSION_CONSUME=${MODE})
if(MODE STREQUAL "package")
  run(${CMAKE_COMMAND} --install "${TORSION_BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} ${consumer_args} "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
else()
  run(${CMAKE_COMMAND} ${consumer_args} "-DTORSION_SOURCE_DIR=${TORSION_SOURCE_DIR}")
endif()
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" --parallel 2)
run("${WORK_DIR}/build/consumer")

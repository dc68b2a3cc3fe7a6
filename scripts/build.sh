#!/usr/bin/env bash
# Configures and builds torsion into a build folder; used by demo.sh and test.sh.
#
# Usage: scripts/build.sh [--sanitize | --tsan] [cmake target ...]
#   (default)    Release build in build/
#   --sanitize   Debug build with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/
#   --tsan       Debug build with ThreadSanitizer in build-tsan/ (TSan cannot share a build with ASan)
# Warnings are errors when CI=true. Prints the build folder's path as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build_dir=build-asan
  cmake_args=(-DCMAKE_BUILD_TYPE=Debug "-DTORSION_SANITIZE=address,undefined")
elif [ "${1:-}" = "--tsan" ]; then
  shift
  build_dir=build-tsan
  cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DTORSION_SANITIZE=thread)
fi
if [ "${CI:-}" = "true" ]; then
  cmake_args+=(-DTORSION_WERROR=ON)
fi

cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
targets=()
for t in "$@"; do
  targets+=(--target "$t")
done
cmake --build "$build_dir" --parallel "$(nproc)" "${targets[@]}" >&2
echo "$build_dir"

#!/usr/bin/env bash
# The clang checks: builds everything with clang++ and -Werror (the second compiler the project
# promises to be warning-free on), then runs clang-tidy with the repository's .clang-tidy over
# every library and sample source. Fails on any warning or finding.
#
# Usage: scripts/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh clang clang-tidy

build_dir=build-clang
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_COMPILER=clang -DTORSION_WERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" >&2

# Library sources (headers are checked through them, see HeaderFilterRegex) and the samples.
mapfile -t sources < <(git ls-files '*/src/*.cpp' 'samples/*.cpp')
echo "lint: clang-tidy on ${#sources[@]} files" >&2
report=$(mktemp)
trap 'rm -f "$report"' EXIT
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build_dir" --quiet >"$report" 2>/dev/null || true
if grep -E "(warning|error):" "$report" >/dev/null; then
  grep -E "(warning|error):" "$report" | sort -u >&2
  echo "lint: clang-tidy reported the findings above" >&2
  exit 1
fi
echo "lint: clean" >&2

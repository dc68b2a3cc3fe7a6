#!/usr/bin/env bash
# Installs what is missing, builds torsion and runs the whole test suite; ends with ctest's summary.
#
# Usage: scripts/test.sh [--sanitize]
#   --sanitize   the same suite in a Debug build under AddressSanitizer and UBSan
# Exits non-zero if the build or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build_dir=$(scripts/build.sh "$@" | tail -n 1)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 300

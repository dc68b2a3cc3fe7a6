#!/usr/bin/env bash
# Installs what is missing, builds torsion and runs the whole test suite; ends with ctest's summary.
#
# Usage: scripts/test.sh [--sanitize | --tsan]
#   --sanitize   the same suite in a Debug build under AddressSanitizer and UBSan
#   --tsan       only the suites that run code on several threads (deferred, reactor, transports),
#                built and run under ThreadSanitizer; the rest is single-threaded and slow under TSan
# Exits non-zero if the build or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

ctest_args=()
if [ "${1:-}" = "--tsan" ]; then
  # Build only the executables behind the labels that run, not samples, bench or other modules.
  tsan_labels=(deferred deferred_alloc reactor transports)
  tsan_targets=()
  for label in "${tsan_labels[@]}"; do
    tsan_targets+=("torsion_${label}_tests")
  done
  build_dir=$(scripts/build.sh --tsan "${tsan_targets[@]}" | tail -n 1)
  ctest_args=(-L "^($(IFS='|'; echo "${tsan_labels[*]}"))\$")
else
  build_dir=$(scripts/build.sh "$@" | tail -n 1)
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# A data race fails its test; the second stack shows where the other thread took its lock.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 300 "${ctest_args[@]}"

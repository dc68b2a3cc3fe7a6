#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and UBSan in
# build-fuzz/, and runs each one for a bounded time, starting from a copy of its seed corpus
# (tests/fuzz/corpus/<target>/; new inputs go to a temporary folder, never into the repository).
# Fails if any fuzzer finds a crash, a broken invariant, a leak, a timeout or runaway memory;
# the reproducer is then kept under build-fuzz/findings/<target>/.
#
# Usage: scripts/fuzz.sh [--seconds N]
#   --seconds N   how long each fuzzer runs (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds)
      seconds="${2:?--seconds needs a number}"
      shift 2
      ;;
    *)
      echo "usage: scripts/fuzz.sh [--seconds N]" >&2
      exit 2
      ;;
  esac
done

scripts/setup.sh clang

targets=(line_receiver line_only_receiver netstring_receiver int_n_string_receiver
  endpoint_description)

# Debug keeps the libraries' assertions; -O1 makes the instrumented code fast enough to fuzz.
build_dir=build-fuzz
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang "${launcher[@]}" \
  -DTORSION_SANITIZE=address,undefined -DTORSION_FUZZ=ON -DTORSION_BUILD_SAMPLES=OFF \
  -DTORSION_BUILD_BENCH=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do
  build_targets+=(--target "torsion_fuzz_$t")
done
cmake --build "$build_dir" --parallel "$(nproc)" "${build_targets[@]}" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -R "tests/fuzz/corpus/$t/." "$work/$t/corpus/"
  echo "fuzz: $t for ${seconds}s" >&2
  if "$build_dir/tests/fuzz/torsion_fuzz_$t" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=512 -malloc_limit_mb=128 -print_final_stats=1 \
    -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" >"$work/$t/log" 2>&1; then
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|cov: " \
      "$work/$t/log" | tail -n 4 >&2
  else
    failed+=("$t")
    tail -n 60 "$work/$t/log" >&2
    mkdir -p "$build_dir/findings/$t"
    cp -R "$work/$t/artifacts/." "$build_dir/findings/$t/"
    echo "fuzz: $t FAILED; reproducer(s) in $build_dir/findings/$t/" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} fuzzers ran ${seconds}s each without a finding" >&2

#!/usr/bin/env bash
# Builds (Release, in build/) and runs torsion's benchmarks; see bench/README.md.
#
# Usage: scripts/bench.sh echo [--quick] [run_echo_bench.py options]   the echo suite (issue #9)
#        scripts/bench.sh timers|reactor|deferred                       the in-process benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${1:-}
shift || true
case "$suite" in
  echo)
    # The peers: Boost.Asio's headers, and the syscall counters (perf first, strace as fallback).
    scripts/setup.sh libboost-dev linux-perf strace valgrind
    build_dir=$(scripts/build.sh epoll_echo uv_echo torsion_echo echo_load | tail -n 1)
    # asio_echo exists only when CMake found Boost (apt-get install libboost-dev).
    scripts/build.sh asio_echo >/dev/null 2>&1 || echo "asio_echo not built: the suite skips Asio" >&2
    exec python3 bench/echo/run_echo_bench.py --build-dir "$build_dir" "$@"
    ;;
  timers | reactor)
    build_dir=$(scripts/build.sh "${suite}_bench" | tail -n 1)
    exec "$build_dir/bench/${suite}_bench" "$@"
    ;;
  deferred)
    build_dir=$(scripts/build.sh torsion_deferred_bench | tail -n 1)
    exec "$build_dir/bench/torsion_deferred_bench" "$@"
    ;;
  *)
    echo "usage: scripts/bench.sh echo|timers|reactor|deferred [options]" >&2
    exit 2
    ;;
esac

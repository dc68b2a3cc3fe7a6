#!/usr/bin/env bash
# Smoke test for the echo suite's tools (ctest label "bench"): starts torsion_echo on a free
# port, runs echo_load's three workloads against it for a fraction of a second each, and fails
# unless each verified at least one echo. Usage: echo_smoke.sh <torsion_echo> <echo_load>
set -euo pipefail
server=$1
load=$2
out=$(mktemp)
"$server" --reactor epoll >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
  grep -q '^ready' "$out" && break
  sleep 0.05
done
port=$(awk '/^ready/ {print $2}' "$out")
[ -n "$port" ] || { echo "torsion_echo did not print ready"; exit 1; }
common=(--port "$port" --warmup 0.05 --duration 0.2 --timeout 20 --server-pid "$pid")
for workload in "--mode pingpong --connections 2" "--mode stream --connections 2" \
                "--mode idle --connections 20"; do
  # shellcheck disable=SC2086  # the workload's words are separate arguments
  result=$("$load" "${common[@]}" $workload | tail -n 1)
  echo "$workload: $result"
  grep -Eq '"verified": [1-9]' <<<"$result" || { echo "no verified echoes"; exit 1; }
done
kill -TERM $pid
wait $pid

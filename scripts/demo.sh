#!/usr/bin/env bash
# Installs what is missing, builds torsion and runs the main demo: the echo server on
# 127.0.0.1:8000 (talk to it with `nc 127.0.0.1 8000` from another terminal; Ctrl-C stops it).
#
# Usage: scripts/demo.sh [echo_server arguments ...]   e.g. --listen tcp:9000:interface=127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build_dir=$(scripts/build.sh echo_server echo_client reactor_tour | tail -n 1)
echo "echo server starting; in another terminal: nc 127.0.0.1 8000  (Ctrl-C here stops it)" >&2
exec "$build_dir/samples/echo_server" "$@"

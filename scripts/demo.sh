#!/usr/bin/env bash
# Installs what is missing, builds torsion and runs the main demo.
#
# Usage: scripts/demo.sh [demo arguments ...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build_dir=$(scripts/build.sh reactor_tour | tail -n 1)
exec "$build_dir/samples/reactor_tour" "$@"

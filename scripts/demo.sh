#!/usr/bin/env bash
# Installs what is missing, builds torsion and runs the main demo: `torsion chat`, a multi-user
# line chat on 127.0.0.1:8023. Join it with `nc 127.0.0.1 8023` from two other terminals;
# Ctrl-C here shuts it down gracefully (every user is told, then the program exits 0).
#
# Usage: scripts/demo.sh [torsion chat options ...]   e.g. --listen tcp:9023:interface=127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build_dir=$(scripts/build.sh torsion_cli echo_server echo_client reactor_tour | tail -n 1)
echo "chat starting; join from two other terminals with: nc 127.0.0.1 8023  (Ctrl-C here stops it)" >&2
exec "$build_dir/samples/torsion/torsion" chat "$@"

#!/usr/bin/env bash
# Installs what torsion needs from Debian 12's packages, and nothing when all of it is present.
#
# Usage: scripts/setup.sh [extra-package ...]
# Runs apt-get only for missing packages, so a second run is quick and needs no network.
# Extra packages (for example clang and clang-tidy for scripts/lint.sh) join the list.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libfmt-dev catch2 libcli11-dev
  python3-twisted     # the interoperability tests talk to real Twisted
  nlohmann-json3-dev  # samples/game speaks JSON
  "$@"
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once before installing.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

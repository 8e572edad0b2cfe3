#!/usr/bin/env bash
# The quick start: installs what is missing, builds, makes the synthetic demo dataset,
# runs the whole DDAD job on it and prints the results table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/launch/install-deps.sh"
"$root/launch/build.sh"
mkdir -p datasets
if [ ! -f datasets/demo.h5 ]; then
  build/ddad synth --preset demo --out datasets/demo.h5
fi
build/ddad info datasets/demo.h5
build/ddad config --config configs/demo.yaml >/dev/null
exec "$root/launch/ddad-run" --config configs/demo.yaml "$@"

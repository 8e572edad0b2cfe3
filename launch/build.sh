#!/usr/bin/env bash
# Configures and builds ddad into build/ (Release unless CMAKE_BUILD_TYPE says otherwise).
# Extra arguments go to cmake's configure step, e.g. -DDDAD_WERROR=ON or -DDDAD_CUDA=OFF.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "$@" >build.log.cmake 2>&1 || {
  cat build.log.cmake >&2; echo "build.sh: cmake configure failed (log above)" >&2; exit 1; }
grep -A30 "ddad .* configuration" build.log.cmake | sed -n '1,16p' | sed 's/^-- //'
rm -f build.log.cmake
cmake --build build -j "$jobs"

#!/usr/bin/env bash
# Runs every test: installs what is missing, builds with -Werror, runs ctest.
# Arguments go to ctest, e.g.  tests/run.sh -L unit   or   tests/run.sh -R parity
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/launch/install-deps.sh" --tests --slurm || { echo "tests/run.sh: installing dependencies failed" >&2; exit 1; }
"$root/launch/build.sh" -DDDAD_WERROR=ON || { echo "tests/run.sh: build failed" >&2; exit 1; }

# Open MPI refuses root without these; tests run oversubscribed on small machines.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
log="$(mktemp)"
ctest --test-dir build --output-on-failure "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary="$(grep -E '[0-9]+% tests passed' "$log" | tail -n 1)"
rm -f "$log"
echo
echo "${summary:-ctest printed no summary}"
exit "$rc"

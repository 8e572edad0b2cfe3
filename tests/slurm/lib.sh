# Shared helpers of the Slurm tests; sourced by tests/slurm/test_*.sh.
# The test's environment (set by tests/slurm/tests.cmake) names:
#   DDAD_SLURM_STATE  the state file slurm_up.sh wrote      DDAD_ROOT   the repository
#   DDAD              the ddad executable                    DDAD_PYTHON Debian's python3
#   DDAD_TEST_WORK    a scratch directory for this test (emptied first)
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

[ -n "${DDAD_SLURM_STATE:-}" ] || fail "DDAD_SLURM_STATE is not set; run the Slurm tests through ctest (label slurm)"
[ -f "$DDAD_SLURM_STATE" ] ||
  fail "no test Slurm is running ($DDAD_SLURM_STATE is missing): the fixture slurm.up failed or did not run; see its output"
# shellcheck disable=SC1090
. "$DDAD_SLURM_STATE"
[ -r "$SLURM_CONF" ] || fail "the test Slurm's configuration $SLURM_CONF is gone"
PATH="$PATH:/usr/sbin"

if [ -n "${DDAD_TEST_WORK:-}" ]; then
  rm -rf "$DDAD_TEST_WORK"
  mkdir -p "$DDAD_TEST_WORK"
  cd "$DDAD_TEST_WORK"
fi

# The Open MPI settings a root-run test needs (inherited by sbatch --export=ALL).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

# job_field JOBID FIELD: one field of `scontrol show job` (empty when unknown).
job_field() {
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# submit ARGS...: sbatch --parsable; prints the job id.
submit() {
  local out
  out="$(sbatch --parsable "$@" 2>&1)" || fail "sbatch $* was refused: $out"
  echo "${out%%;*}"
}

# wait_state JOBID TIMEOUT_S: waits until the job has ended; prints its final JobState.
# On timeout it cancels the job, prints its record and fails.
wait_state() {
  local id="$1" limit="$2" t=0 st
  while :; do
    st="$(job_field "$id" JobState)"
    case "$st" in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
        echo "$st"; return 0 ;;
    esac
    if [ "$t" -ge "$((limit * 5))" ]; then
      scontrol show job "$id" >&2 || true
      scancel "$id" 2>/dev/null || true
      fail "job $id did not end within ${limit}s (state '${st:-unknown}')"
    fi
    sleep 0.2; t=$((t + 1))
  done
}

# wait_for TIMEOUT_S COMMAND...: polls COMMAND until it succeeds; fails after the timeout.
wait_for() {
  local limit="$1" t=0; shift
  until "$@" >/dev/null 2>&1; do
    [ "$t" -ge "$((limit * 5))" ] && fail "timed out after ${limit}s waiting for: $*"
    sleep 0.2; t=$((t + 1))
  done
}

# show_file FILE: prints a log into the test output (for failures).
show_file() { [ -f "$1" ] && { echo "---- $1"; cat "$1"; echo "----"; } || echo "---- $1: missing"; }

# ---- ddad runs ----
[ -n "${DDAD:-}" ] && [ -x "$DDAD" ] || fail "the ddad executable '${DDAD:-}' is missing; build first"
export DDAD
# The configuration the Slurm tests run: the CI config on a dataset shared by the tests.
DDAD_TEST_CONFIG="$DDAD_ROOT/configs/ci.yaml"
ci_data="$(dirname "${DDAD_TEST_WORK:-$PWD/x}")/ci.h5"

# ensure_ci_data: makes the CI dataset once for all Slurm tests, and again after ddad is
# rebuilt (a dataset from an older ddad may lack what the new one requires, e.g. a digest).
ensure_ci_data() {
  [ -f "$ci_data" ] && [ "$ci_data" -nt "$DDAD" ] && return 0
  mkdir -p "$(dirname "$ci_data")"
  "$DDAD" synth --preset ci --out "$ci_data.tmp.h5" >/dev/null || fail "ddad synth --preset ci failed"
  mv "$ci_data.tmp.h5" "$ci_data"
}

# run_dir_of NAME: where a test's run goes (absolute).
run_dir_of() { echo "$DDAD_TEST_WORK/$1"; }

# submit_ddad RUN_DIR [sbatch options --] [ddad args]: sbatch slurm/ddad.sbatch on the CI
# config with the shared data and RUN_DIR as Exp.out_dir; prints the job id.
submit_ddad() {
  local dir="$1"; shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  submit "${opts[@]}" "$DDAD_ROOT/slurm/ddad.sbatch" "$DDAD_TEST_CONFIG" \
    --set "Data.file=$ci_data" --set "Exp.out_dir=$dir" "$@"
}

# same_results RUN_A RUN_B: fails unless the two runs' results are bit-identical.
same_results() {
  "${DDAD_PYTHON:-/usr/bin/python3}" "$DDAD_ROOT/tests/slurm/compare_results.py" "$1" "$2" ||
    fail "results of $2 differ from $1"
}

# start_until_checkpoint: submits the ci job of 6 tasks into $dir (run_dir_of run) and waits
# until it has written its first member checkpoint while RUNNING; sets ref, dir and id.
start_until_checkpoint() {
  ensure_ci_data
  ref="$(dirname "$DDAD_TEST_WORK")/job/run"
  [ -f "$ref/results.h5" ] || fail "no reference run in $ref: slurm.job must pass first"
  dir="$(run_dir_of run)"
  id="$(submit_ddad "$dir" --ntasks=6 --output="$DDAD_TEST_WORK/ddad-%j.out")"
  note "job $id: waiting for the first member checkpoint before interrupting it"
  has_ckpt() { compgen -G "$dir/checkpoints/*.h5" >/dev/null; }
  wait_for 90 has_ckpt
  [ "$(job_field "$id" JobState)" = RUNNING ] ||
    fail "job $id is $(job_field "$id" JobState), not RUNNING, at its first checkpoint"
}

# finish_after_restart: waits for job $id to complete and fails unless it was restarted.
finish_after_restart() {
  local st restarts
  st="$(wait_state "$id" 150)"
  show_file "$DDAD_TEST_WORK/ddad-$id.out"
  show_file "$dir/logs/ddad-$id.out"
  [ "$st" = COMPLETED ] || fail "job $id ended $st"
  restarts="$(job_field "$id" Restarts)"
  [ "${restarts:-0}" -ge 1 ] ||
    fail "job $id was never requeued: the run ended before the interruption landed (Restarts=$restarts)"
}

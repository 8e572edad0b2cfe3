#!/usr/bin/env bash
# The same job as test_job.sh, preempted mid-run the way a time limit does it (USR1 to the
# batch script, as #SBATCH --signal=B:USR1@120 sends): the ranks checkpoint and exit 3, the
# script requeues the job, it resumes by itself and finishes with results bit-identical to
# the unpreempted run of test_job.sh.
. "$(dirname "$0")/lib.sh"
ensure_ci_data
ref="$(dirname "$DDAD_TEST_WORK")/job/run"
[ -f "$ref/results.h5" ] || fail "no reference run in $ref: slurm.job must pass first"
dir="$(run_dir_of run)"
id="$(submit_ddad "$dir" --ntasks=6 --output="$DDAD_TEST_WORK/ddad-%j.out")"
note "job $id: waiting for the first member checkpoint before preempting"
has_ckpt() { compgen -G "$dir/checkpoints/*.h5" >/dev/null; }
wait_for 90 has_ckpt
[ "$(job_field "$id" JobState)" = RUNNING ] || fail "job $id is $(job_field "$id" JobState), not RUNNING, at its first checkpoint"
scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch $id failed"
note "sent USR1 to the batch script of job $id"
st="$(wait_state "$id" 150)"
show_file "$DDAD_TEST_WORK/ddad-$id.out"
show_file "$dir/logs/ddad-$id.out"
[ "$st" = COMPLETED ] || fail "job $id ended $st"
restarts="$(job_field "$id" Restarts)"
[ "${restarts:-0}" -ge 1 ] ||
  fail "job $id was never requeued: the run ended before the preemption landed (Restarts=$restarts)"
out="$DDAD_TEST_WORK/ddad-$id.out"
grep -q 'received USR1' "$out" || fail "the batch script did not see USR1"
grep -q 'requeueing job' "$out" || fail "the batch script did not requeue the job"
grep -q 'resuming from' "$out" || fail "the requeued job did not resume"
grep -q 'preempted' "$dir/logs/ddad-$id.out" || fail "ddad did not report the preemption in its log"
same_results "$ref" "$dir"
echo "PASS"

#!/usr/bin/env bash
# The same job as test_job.sh, requeued from outside mid-run (`scontrol requeue`, what a
# site's preemption does): Slurm sends TERM to every process of the job, the ranks
# checkpoint and stop, Slurm starts the job again, it resumes by itself and finishes with
# results bit-identical to the unpreempted run of test_job.sh.
. "$(dirname "$0")/lib.sh"
ensure_ci_data
ref="$(dirname "$DDAD_TEST_WORK")/job/run"
[ -f "$ref/results.h5" ] || fail "no reference run in $ref: slurm.job must pass first"
dir="$(run_dir_of run)"
id="$(submit_ddad "$dir" --ntasks=6 --output="$DDAD_TEST_WORK/ddad-%j.out")"
note "job $id: waiting for the first member checkpoint before requeueing"
has_ckpt() { compgen -G "$dir/checkpoints/*.h5" >/dev/null; }
wait_for 90 has_ckpt
[ "$(job_field "$id" JobState)" = RUNNING ] || fail "job $id is $(job_field "$id" JobState), not RUNNING, at its first checkpoint"
scontrol requeue "$id" || fail "scontrol requeue $id failed"
note "requeued job $id"
st="$(wait_state "$id" 150)"
show_file "$DDAD_TEST_WORK/ddad-$id.out"
show_file "$dir/logs/ddad-$id.out"
[ "$st" = COMPLETED ] || fail "job $id ended $st"
restarts="$(job_field "$id" Restarts)"
[ "${restarts:-0}" -ge 1 ] || fail "job $id did not restart (Restarts=$restarts)"
grep -q 'resuming from' "$DDAD_TEST_WORK/ddad-$id.out" || fail "the requeued job did not resume"
same_results "$ref" "$dir"
echo "PASS"

#!/usr/bin/env bash
# The same job as test_job.sh, preempted mid-run the way a time limit does it (USR1 to the
# batch script, as #SBATCH --signal=B:USR1@120 sends): the ranks checkpoint and exit 3, the
# script requeues the job, it resumes by itself and finishes with results bit-identical to
# the unpreempted run of test_job.sh.
. "$(dirname "$0")/lib.sh"
start_until_checkpoint
scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch $id failed"
note "sent USR1 to the batch script of job $id"
finish_after_restart
out="$DDAD_TEST_WORK/ddad-$id.out"
grep -q 'received USR1' "$out" || fail "the batch script did not see USR1"
grep -q 'requeueing job' "$out" || fail "the batch script did not requeue the job"
grep -q 'resuming from' "$out" || fail "the requeued job did not resume"
grep -q 'preempted' "$dir/logs/ddad-$id.out" || fail "ddad did not report the preemption in its log"
same_results "$ref" "$dir"
echo "PASS"

#!/usr/bin/env bash
# The same job as test_job.sh, requeued from outside mid-run (`scontrol requeue`, what a
# site's preemption does): Slurm sends TERM to every process of the job, the ranks
# checkpoint and stop, Slurm starts the job again, it resumes by itself and finishes with
# results bit-identical to the unpreempted run of test_job.sh.
. "$(dirname "$0")/lib.sh"
start_until_checkpoint
scontrol requeue "$id" || fail "scontrol requeue $id failed"
note "requeued job $id"
finish_after_restart
grep -q 'resuming from' "$DDAD_TEST_WORK/ddad-$id.out" || fail "the requeued job did not resume"
same_results "$ref" "$dir"
echo "PASS"

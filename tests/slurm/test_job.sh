#!/usr/bin/env bash
# sbatch slurm/ddad.sbatch on configs/ci.yaml with 6 tasks (one per member) completes, and
# the run directory holds results.h5, metrics.json and the job's log named by its id.
# Its run directory is the unpreempted reference of test_preempt.sh and test_chain.sh.
. "$(dirname "$0")/lib.sh"
ensure_ci_data
dir="$(run_dir_of run)"
id="$(submit_ddad "$dir" --ntasks=6 --output="$DDAD_TEST_WORK/ddad-%j.out")"
note "job $id: ddad.sbatch on configs/ci.yaml, 6 tasks"
st="$(wait_state "$id" 120)"
show_file "$DDAD_TEST_WORK/ddad-$id.out"
[ "$st" = COMPLETED ] || { show_file "$dir/logs/ddad-$id.out"; fail "job $id ended $st"; }
[ "$(job_field "$id" NumTasks)" = 6 ] || fail "job $id ran $(job_field "$id" NumTasks) tasks, not 6"
for f in results.h5 metrics.json "logs/ddad-$id.out"; do
  [ -s "$dir/$f" ] || fail "$dir/$f is missing or empty"
done
grep -q '"r_dual"' "$dir/metrics.json" || fail "metrics.json lacks r_dual: $(cat "$dir/metrics.json")"
grep -q 'srun --mpi=pmix' "$DDAD_TEST_WORK/ddad-$id.out" || fail "the job did not launch with srun --mpi=pmix"
"$DDAD" info "$dir/results.h5" || note "(ddad info could not summarise $dir/results.h5)"
echo "PASS"

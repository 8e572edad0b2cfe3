#!/usr/bin/env bash
# slurm/ddad-chain.sh submits members -> score -> refine -> eval with afterok dependencies;
# each stage waits for the one before, all complete, and the results are bit-identical to
# the single job of test_job.sh (same config, seed and rank count).
. "$(dirname "$0")/lib.sh"
ensure_ci_data
ref="$(dirname "$DDAD_TEST_WORK")/job/run"
[ -f "$ref/results.h5" ] || fail "no reference run in $ref: slurm.job must pass first"
dir="$(run_dir_of run)"
chain="$("$DDAD_ROOT/slurm/ddad-chain.sh" --tasks members=6,score=6,refine=6,eval=6 \
         --sbatch "--output=$DDAD_TEST_WORK/ddad-%j.out" \
         "$DDAD_TEST_CONFIG" --set "Data.file=$ci_data" --set "Exp.out_dir=$dir")" || fail "ddad-chain.sh failed"
echo "$chain"
[ "$(echo "$chain" | awk '{print $1}' | tr '\n' ' ')" = "members score refine eval " ] ||
  fail "expected the stages members score refine eval, got: $chain"
prev=""
while read -r stage id; do
  dep="$(job_field "$id" Dependency)"
  if [ -n "$prev" ]; then
    case "$dep" in *"afterok:$prev"*|"(null)") ;; *) fail "$stage job $id depends on '$dep', not afterok:$prev" ;; esac
  fi
  prev="$id"
done <<<"$chain"
prev_end=0
while read -r stage id; do
  st="$(wait_state "$id" 120)"
  show_file "$DDAD_TEST_WORK/ddad-$id.out"
  [ "$st" = COMPLETED ] || { show_file "$dir/logs/ddad-$id.out"; fail "$stage job $id ended $st"; }
  grep -q -- "--stage $stage" "$DDAD_TEST_WORK/ddad-$id.out" || fail "job $id did not run --stage $stage"
  start="$(date -d "$(job_field "$id" StartTime)" +%s)"
  end="$(date -d "$(job_field "$id" EndTime)" +%s)"
  [ "$start" -ge "$prev_end" ] || fail "$stage job $id started before the stage before it ended"
  prev_end="$end"
done <<<"$chain"
for f in results.h5 metrics.json; do [ -s "$dir/$f" ] || fail "$dir/$f is missing"; done
same_results "$ref" "$dir"
echo "PASS"

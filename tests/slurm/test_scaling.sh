#!/usr/bin/env bash
# slurm/scaling.sbatch runs a tiny strong-scaling study (1, 2 and 4 ranks, K = 2) through
# bench/scaling/driver.sh (one member epoch, to stay quick) and produces its table (per run, stage, rank and phase) and plot.
. "$(dirname "$0")/lib.sh"
study="$DDAD_TEST_WORK/study"
id="$(submit --ntasks=4 --output="$DDAD_TEST_WORK/scaling-%j.out" "$DDAD_ROOT/slurm/scaling.sbatch" \
      "$DDAD_TEST_CONFIG" --out "$study" --study strong --ranks "1 2 4" --members 2 --normal 32 --set Solver.num_epoch=1)"
note "job $id: scaling study"
st="$(wait_state "$id" 150)"
show_file "$DDAD_TEST_WORK/scaling-$id.out"
[ "$st" = COMPLETED ] || fail "scaling job $id ended $st"
show_file "$study/runs.csv"
for r in 1 2 4; do
  grep -q "^strong,$r,2,32,1,.*,ok," "$study/runs.csv" || fail "no successful $r-rank run in runs.csv"
  # every rank of the run has rows in the table
  n="$(awk -F, -v r="$r" '$1=="strong" && $2==r && $7=="members" && $9=="train" {print $8}' "$study/scaling.csv" | sort -u | wc -l)"
  [ "$n" = "$r" ] || fail "the table has member-training times of $n ranks for the $r-rank run, not $r"
done
head -n 5 "$study/scaling.csv"
png="$study/plots/strong.png"
[ -s "$png" ] || fail "no plot $png"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
grep -q '^strong,4,.*,total,' "$study/plots/summary.csv" || fail "summary.csv lacks the 4-rank total"
echo "PASS"

#!/usr/bin/env bash
# Jobs that cannot run end FAILED, with the error in their log and no results:
#   1. a configuration that does not validate (an unknown key);
#   2. a valid configuration whose dataset does not exist (ddad run fails on every rank),
#      launched through DDAD_LAUNCHER=mpirun;
#   3. more tasks than ensemble members (8 tasks, 2K = 6).
. "$(dirname "$0")/lib.sh"

note "1. an unknown key"
sed 's/^  num_epoch: .*/  num_epochs: 2/' "$DDAD_TEST_CONFIG" >bad.yaml
grep -q num_epochs bad.yaml || fail "could not make the bad config"
dir1="$(run_dir_of run1)"
id="$(submit --ntasks=2 --output="$DDAD_TEST_WORK/ddad-%j.out" "$DDAD_ROOT/slurm/ddad.sbatch" bad.yaml \
      --set "Exp.out_dir=$dir1")"
st="$(wait_state "$id" 60)"
log="$DDAD_TEST_WORK/ddad-$id.out"
show_file "$log"
[ "$st" = FAILED ] || fail "job $id with an unknown key ended $st, not FAILED"
grep -q 'num_epochs' "$log" || fail "the log of job $id does not name the bad key"
[ ! -e "$dir1/results.h5" ] && [ ! -e "$dir1/metrics.json" ] || fail "job $id left results in $dir1"

note "2. a dataset that does not exist (launched with the mpirun variant)"
dir2="$(run_dir_of run2)"
id="$(DDAD_LAUNCHER=mpirun submit --ntasks=2 --output="$DDAD_TEST_WORK/ddad-%j.out" "$DDAD_ROOT/slurm/ddad.sbatch" "$DDAD_TEST_CONFIG" \
      --set "Exp.out_dir=$dir2" --set "Data.file=$DDAD_TEST_WORK/no-such-data.h5")"
st="$(wait_state "$id" 60)"
log="$DDAD_TEST_WORK/ddad-$id.out"
show_file "$log"
[ "$st" = FAILED ] || fail "job $id with a missing dataset ended $st, not FAILED"
[ "$(job_field "$id" Restarts)" = 0 ] || fail "a failed job must not be requeued"
grep -q 'ddad.sbatch: mpirun -np 2 ' "$log" || fail "DDAD_LAUNCHER=mpirun did not launch with mpirun -np 2"
grep -q 'ddad run: error: .*no-such-data.h5' "$log" || fail "the log of job $id lacks ddad's error naming the dataset"
grep -q 'ddad run: error: .*no-such-data.h5' "$dir2/logs/ddad-$id.out" || fail "the run log lacks ddad's error naming the dataset"
[ ! -e "$dir2/results.h5" ] && [ ! -e "$dir2/metrics.json" ] || fail "job $id left results in $dir2"
if compgen -G "$dir2/*.h5*" >/dev/null; then fail "job $id left files that look like results: $(ls "$dir2")"; fi

note "3. more tasks than members"
dir3="$(run_dir_of run3)"
id="$(submit --ntasks=8 --output="$DDAD_TEST_WORK/ddad-%j.out" "$DDAD_ROOT/slurm/ddad.sbatch" "$DDAD_TEST_CONFIG" \
      --set "Exp.out_dir=$dir3")"
st="$(wait_state "$id" 60)"
log="$DDAD_TEST_WORK/ddad-$id.out"
show_file "$log"
[ "$st" = FAILED ] || fail "job $id with 8 tasks for 6 members ended $st, not FAILED"
grep -q -- '--ntasks=6' "$log" || fail "the log of job $id does not say to use --ntasks=6"
[ ! -e "$dir3/results.h5" ] || fail "job $id left results in $dir3"
echo "PASS"

#!/usr/bin/env bash
# launch/ddad-run: the mpirun line it builds (--dry-run), --resume, --hostfile, and --mps on
# a machine without MPS or a GPU (it says so and still runs ddad).
#   test_ddad_run.sh REPO DDAD WORKDIR
set -uo pipefail
repo="$1"; export DDAD="$2"; work="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
run="$repo/launch/ddad-run"
cfg="$repo/configs/ci.yaml"
rm -rf "$work" && mkdir -p "$work"

out="$("$run" --dry-run --config "$cfg")" || fail "--dry-run failed"
echo "$out"
[[ "$out" == *"mpirun -np 6 "*"$DDAD run --config $cfg"* ]] || fail "default: expected mpirun -np 6 (2K, K = 3): $out"

out="$("$run" --dry-run --resume --config "$cfg" --set Ensemble.members=2 --stage refine)" || fail "--dry-run --resume failed"
echo "$out"
[[ "$out" == *"-np 4 "* ]] || fail "K = 2 must give 4 ranks: $out"
[[ "$out" == *" --stage refine"*"--resume"* ]] || fail "--resume and --stage must reach ddad run: $out"

printf 'node01 slots=4\nnode02 slots=4\n' >"$work/hosts.txt"
out="$("$run" --dry-run --np 8 --hostfile "$work/hosts.txt" --config "$cfg" --set Ensemble.members=4)" || fail "--hostfile failed"
echo "$out"
[[ "$out" == *"-np 8 --hostfile $work/hosts.txt "* ]] || fail "--hostfile must reach mpirun: $out"
[[ "$out" != *"--oversubscribe"* ]] || fail "with a hostfile the slots decide, no --oversubscribe: $out"

# --mps here: no MPS control daemon or no GPU; it must say so and still launch ddad, whose
# own input error (no dataset, no earlier stages) then comes back as the exit status.
err="$("$run" --np 1 --mps --config "$cfg" --set "Exp.out_dir=$work/empty" --stage eval 2>&1 >/dev/null)"
rc=$?
echo "$err" | tail -n 4
echo "$err" | grep -q -- '--mps: ' || fail "--mps printed no note about MPS"
[ "$rc" = 2 ] || fail "expected ddad's input error (2), got $rc"
echo "$err" | grep -q 'ddad run: error' || fail "ddad run did not start under --mps"
echo "PASS"

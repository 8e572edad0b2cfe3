#!/usr/bin/env bash
# Faults that must lose nothing, one case per ctest test: faults_test.sh CASE
#   rank_fails_refine, rank_fails_eval   one rank fails mid-collective (DDAD_FAULT_INJECT)
#   disk_full_run                        the disk fills under a run: a checkpoint, a stage
#                                        marker (no blocks, no inodes), results.h5; the
#                                        last --resume gives the uninterrupted results
#   disk_full_synth, disk_full_prepare   a dataset written into a full filesystem
# The disk cases mount a small tmpfs in a private mount namespace (unshare -m, as root)
# and exit 77 (skipped) where that is impossible.
# Environment: DDAD, PY, SRC, WORK (the pipeline tests' scratch dir: ci.h5 and np2 there).
set -uo pipefail
case_name="${1:?case}"
: "${DDAD:?}" "${PY:?}" "${SRC:?}" "${WORK:?}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
CONFIG="$SRC/configs/ci.yaml"
DATA="$WORK/ci.h5"
CMP="$PY $SRC/tests/pipeline/compare_results.py"
MiB=$((1024 * 1024))

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIPPED: $*"; exit 77; }

# The disk cases run again inside a private mount namespace, where their tmpfs is
# invisible to everything else and goes away with the test.
case "$case_name" in
  disk_full_*)
    if [ -z "${DDAD_FAULTS_NS:-}" ]; then
      [ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
      command -v unshare >/dev/null || skip "no unshare(1)"
      unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
      DDAD_FAULTS_NS=1 exec unshare -m --propagation private bash "$0" "$@"
    fi ;;
esac

# A private Open MPI session directory: tests may run while other MPI jobs use /tmp.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/ddad-faults.XXXXXX")" && export TMPDIR
trap 'umount "$TMPDIR/mnt" 2>/dev/null; rm -rf "$TMPDIR"' EXIT

# run_ddad OUT_DIR [ddad run options...]: two ranks under a timeout; stderr to $OUT_LOG.
OUT_LOG="$TMPDIR/stderr"
run_ddad() {
  local out="$1"
  shift
  timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 "$DDAD" run --config "$CONFIG" \
    --set "Data.file=$DATA" --set "Exp.out_dir=$out" --quiet "$@" 2>"$OUT_LOG"
}

# expect_stopped RC: the run that just ended failed (not a timeout), with an error.
expect_stopped() {
  local rc="$1"
  grep "ddad: error:" "$OUT_LOG" || tail -n 6 "$OUT_LOG"
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "timed out (hang)"
  [ "$rc" -ne 0 ] || fail "the run succeeded"
  grep -q "ddad: error:" "$OUT_LOG" || fail "no error message"
}

# expect_clean OUT STAGE: nothing half-written in OUT; STAGE (and later ones) not marked done.
expect_clean() {
  local out="$1" stage="$2" left s after=0
  left="$(find "$out" -name '*.tmp.*')"
  [ -z "$left" ] || fail "temporary files left behind: $left"
  for f in results.h5 metrics.json; do [ ! -e "$out/$f" ] || fail "a failed run left $f"; done
  for s in members score refine eval; do
    [ "$s" = "$stage" ] && after=1
    [ "$after" = 0 ] || [ ! -e "$out/checkpoints/$s.done" ] || fail "the $s stage was marked done"
  done
}

# A tmpfs of SIZE at DIR (in this test's mount namespace).
mount_tmpfs() {
  mkdir -p "$2" && mount -t tmpfs -o "size=$1" tmpfs "$2" || skip "cannot mount a tmpfs"
}
free_bytes() { echo $(( $(stat -f -c '%a * %S' "$1") )); }
# fill DIR BYTES: a filler file that leaves BYTES free
fill() {
  local n=$(( $(free_bytes "$1") - $2 ))
  [ "$n" -gt 0 ] || fail "$1 has less than $2 bytes free already"
  head -c "$n" /dev/zero >"$1/filler" || fail "cannot write the filler"
}

case "$case_name" in
  rank_fails_refine)
    # Rank 1 cannot read its third refiner batch, while rank 0 waits in that step's
    # all-reduce. The job must end soon with rank 1's message, keep the finished stages
    # and nothing of the refiner stage; a resume must give the uninterrupted results.
    out="$WORK/faults_refine"
    rm -rf "$out"
    t0=$SECONDS
    DDAD_FAULT_INJECT=read_batch:stage=refine:rank=1:step=3 run_ddad "$out"
    rc=$?
    expect_stopped "$rc"
    [ $((SECONDS - t0)) -lt 60 ] || fail "the job took $((SECONDS - t0)) s to end"
    grep -Eq "ddad: error: \[rank 1, refiner, epoch 1\] cannot read batch 3 of the refine stage" "$OUT_LOG" ||
      fail "not rank 1's message"
    [ "$(grep -c 'ddad: error:' "$OUT_LOG")" = 1 ] || fail "more than one rank reported an error"
    expect_clean "$out" refine
    [ -f "$out/checkpoints/members.done" ] && [ -f "$out/checkpoints/score.done" ] || fail "finished stages lost"
    run_ddad "$out" --resume || fail "the resume exited with $?: $(tail -n 5 "$OUT_LOG")"
    $CMP "$WORK/np2/results.h5" "$out/results.h5" --exact members refiner losses scores maps metrics || exit 1 ;;
  rank_fails_eval)
    # Rank 1 fails as it reads the rows of the maps it writes into results.h5, which
    # rank 0 created: the half-written file under its temporary name must go too (rank 0
    # is killed by the abort without cleaning up).
    out="$WORK/faults_eval"
    rm -rf "$out" && cp -r "$WORK/np2" "$out" || fail "copying $WORK/np2"
    rm -f "$out/checkpoints/eval.done" "$out"/{results.h5,metrics.json}
    # what a run killed mid-write leaves (SIGKILL, or killed by another rank's MPI_Abort):
    # the next run removes it
    touch "$out/.results.h5.tmp.12345" "$out/checkpoints/.ndm_0.h5.tmp.12345" || fail "touch"
    t0=$SECONDS
    DDAD_FAULT_INJECT=read_batch:stage=eval:rank=1:step=3 run_ddad "$out" --stage eval
    rc=$?
    expect_stopped "$rc"
    [ $((SECONDS - t0)) -lt 60 ] || fail "the job took $((SECONDS - t0)) s to end"
    grep -q "ddad: error: \[rank 1\] cannot read batch 3 of the eval stage" "$OUT_LOG" || fail "not rank 1's message"
    [ "$(grep -c 'ddad: error:' "$OUT_LOG")" = 1 ] || fail "more than one rank reported an error"
    expect_clean "$out" eval ;;
  disk_full_run)
    # The ci job (2 ranks) with Exp.out_dir on a small tmpfs. Six member checkpoints of
    # about 15.4 MiB each, rewritten every epoch under a temporary name (so the rewrite
    # needs room for one more per rank).
    mnt="$TMPDIR/mnt"
    mount_tmpfs 100m "$mnt"
    out="$mnt/out"
    # 1. Room for the first epoch's checkpoints, not for the second's: the members stage
    #    stops, naming a checkpoint and the free space; the first epoch's checkpoints stay.
    run_ddad "$out"
    expect_stopped $?
    grep -Eq "writing $out/checkpoints/(ndm|udm)_[0-2]\.h5 failed .*has [0-9.]+ (bytes|KiB|MiB) free of 100\.0 MiB" \
      "$OUT_LOG" || fail "the message does not name the checkpoint and the free space"
    expect_clean "$out" members
    "$PY" - "$out/checkpoints" <<'PY' || fail "the first epoch's checkpoints are not intact"
import sys, h5py
for m in ("ndm_0", "ndm_1", "ndm_2", "udm_0", "udm_1", "udm_2"):
    with h5py.File(f"{sys.argv[1]}/{m}.h5", "r") as f:
        assert f.attrs["epoch"] == 1, (m, f.attrs["epoch"])
PY
    # 2. More room: the members finish from those checkpoints. Then the disk fills as the
    #    score stage ends: score.h5 takes the last free blocks (a filler leaves exactly its
    #    size, known from np2's run) and its marker's write fails as the stream is closed.
    mount -o remount,size=200m "$mnt" || fail "cannot grow the tmpfs"
    run_ddad "$out" --resume --stage members || fail "resuming the members exited with $?: $(tail -n 5 "$OUT_LOG")"
    bs=$(stat -f -c %S "$mnt") score_size=$(stat -c %s "$WORK/np2/checkpoints/score.h5")
    fill "$mnt" $(( (score_size + bs - 1) / bs * bs ))
    run_ddad "$out" --resume
    expect_stopped $?
    grep -q "writing $out/checkpoints/score.done failed (No space left on device): .* has 0 bytes free" "$OUT_LOG" ||
      fail "the message does not name score.done and the full disk"
    expect_clean "$out" score
    # 3. The same marker when the filesystem runs out of inodes instead: the score stage
    #    reruns (its old output removed, so that the new one takes the last inode).
    rm -f "$mnt/filler" "$out/checkpoints/score.h5"
    used=$(( $(stat -f -c '%c - %d' "$mnt") ))
    mount -o remount,nr_inodes=$((used + 1)) "$mnt" || skip "cannot limit the tmpfs's inodes"
    run_ddad "$out" --resume
    expect_stopped $?
    grep -q "writing $out/checkpoints/score.done failed (cannot create its temporary file: No space left on device): .*no free inodes" \
      "$OUT_LOG" || fail "the message does not name score.done and the lack of inodes"
    expect_clean "$out" score
    # 4. Inodes again, and 8 MiB free: score.h5 and the refiner fit, results.h5 (about
    #    32 MiB) does not.
    mount -o remount,nr_inodes=$((used + 100)) "$mnt" || fail "cannot raise the tmpfs's inodes"
    fill "$mnt" $((8 * MiB))
    run_ddad "$out" --resume
    expect_stopped $?
    grep -Eq "writing $out/results.h5 failed .*has [0-9.]+ (bytes|KiB|MiB) free of 200\.0 MiB" "$OUT_LOG" ||
      fail "the message does not name results.h5 and the free space"
    expect_clean "$out" eval
    [ -f "$out/checkpoints/refine.done" ] || fail "the refiner stage was lost"
    # 5. The filler gone, --resume finishes: the results of a run that never stopped.
    rm -f "$mnt/filler"
    run_ddad "$out" --resume || fail "the last resume exited with $?: $(tail -n 5 "$OUT_LOG")"
    $CMP "$WORK/np2/results.h5" "$out/results.h5" --exact members refiner losses scores maps metrics || exit 1
    for m in ndm_0 ndm_1 ndm_2 udm_0 udm_1 udm_2 refine; do
      $CMP "$WORK/np2/checkpoints/$m.h5" "$out/checkpoints/$m.h5" --exact / >/dev/null || fail "checkpoint $m differs"
    done
    $CMP "$WORK/np2/checkpoints/score.h5" "$out/checkpoints/score.h5" --exact / || exit 1 ;;
  disk_full_synth|disk_full_prepare)
    # A dataset (synth: 160 KiB for the ci preset at these counts; prepare: 80 images of
    # 64 x 64, stored uncompressed, 320 KiB) into a 64 KiB filesystem:
    # a clear error naming the file and the free space, and nothing left in the directory.
    mnt="$TMPDIR/mnt"
    mount_tmpfs 64k "$mnt"
    if [ "$case_name" = disk_full_synth ]; then
      "$DDAD" synth --preset ci --normal 48 --pool0 24 --pool1 24 --test-normal 16 --test-abnormal 16 \
        --out "$mnt/ci.h5" 2>"$OUT_LOG" >/dev/null
    else
      root="$TMPDIR/medad"
      PYTHONPATH="$SRC/tests/data" "$PY" - "$root" <<'PY' || fail "cannot make the Med-AD folder"
import json, os, sys, pngwrite
root = sys.argv[1]
os.makedirs(f"{root}/images")
splits = {"train": {"0": []}, "unlabeled": {"0": [], "1": []}, "test": {"0": [], "1": []}}
lists = [splits["train"]["0"], splits["unlabeled"]["0"], splits["unlabeled"]["1"], splits["test"]["0"], splits["test"]["1"]]
for s, lst in enumerate(lists):
    for i in range(16):
        name = f"{s}_{i}.png"
        px = [[(x * 7 + y * (3 + i) + s * 11) & 255 for x in range(64)] for y in range(64)]
        with open(f"{root}/images/{name}", "wb") as f:
            f.write(pngwrite.encode(px, 64, 64, pngwrite.GRAY, 8))
        lst.append(name)
doc = {"train": {"0": splits["train"]["0"], "unlabeled": splits["unlabeled"]}, "test": splits["test"]}
json.dump(doc, open(f"{root}/data.json", "w"))
PY
      "$DDAD" prepare medad --root "$root" --img-size 64 --deflate 0 --out "$mnt/medad.h5" 2>"$OUT_LOG" >/dev/null
    fi
    rc=$?
    cat "$OUT_LOG"
    [ "$rc" = 1 ] || fail "exit status $rc, expected 1"
    grep -Eq "writing $mnt/(ci|medad)\.h5 failed .*has [0-9.]+ (bytes|KiB) free of 64\.0 KiB" "$OUT_LOG" ||
      fail "the message does not name the file and the free space"
    left="$(ls -A "$mnt")"
    [ -z "$left" ] || fail "left in the directory: $left" ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"

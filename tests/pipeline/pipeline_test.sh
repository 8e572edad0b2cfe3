#!/usr/bin/env bash
# The pipeline tests, one case per ctest test: pipeline_test.sh CASE
# Environment: DDAD (executable), PY (Debian python3), SRC (repository), WORK (scratch dir).
set -uo pipefail
case_name="${1:?case}"
: "${DDAD:?}" "${PY:?}" "${SRC:?}" "${WORK:?}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# A private Open MPI session directory: tests may run while other MPI jobs use /tmp.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/ddad-pipe.XXXXXX")" && export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
CONFIG="$SRC/configs/ci.yaml"
DATA="$WORK/ci.h5"
CMP="$PY $SRC/tests/pipeline/compare_results.py"

fail() { echo "FAIL: $*" >&2; exit 1; }

# run_ddad NP OUT_DIR [ddad run options...]: mpirun under a timeout, never hangs.
run_ddad() {
  local np="$1" out="$2"
  shift 2
  timeout -k 10 240 mpirun --oversubscribe --bind-to none -np "$np" "$DDAD" run --config "$CONFIG" \
    --set "Data.file=$DATA" --set "Exp.out_dir=$out" --quiet "$@"
}

# run_plain OUT_DIR [ddad run options...]: one process without mpirun (a failing job ends
# faster than under mpirun), under a timeout.
run_plain() {
  local out="$1"
  shift
  timeout -k 10 240 "$DDAD" run --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=$out" --quiet "$@"
}

expect_outputs() {
  [ -f "$1/results.h5" ] || fail "$1/results.h5 missing"
  [ -f "$1/metrics.json" ] || fail "$1/metrics.json missing"
  "$PY" -c "import json,sys; m=json.load(open(sys.argv[1])); assert all(k in m for k in ('rec','intra','inter','r_dual')), m" \
    "$1/metrics.json" || fail "$1/metrics.json lacks a score"
}

# expect_failure RC_REGEX STDERR_REGEX command...: the command must fail accordingly, in time.
expect_failure() {
  local rc_re="$1" err_re="$2"
  shift 2
  local err
  err="$("$@" 2>&1 >/dev/null)"
  local rc=$?
  echo "$err" | tail -n 5
  [ "$rc" -ne 124 ] || fail "timed out (hang)"
  [[ "$rc" =~ ^($rc_re)$ ]] || fail "exit status $rc, expected $rc_re"
  echo "$err" | grep -Eq "$err_re" || fail "stderr does not match '$err_re'"
}

# flip_byte FILE DATASET: inverts one byte in the middle of DATASET's raw data (its first
# chunk when chunked; h5_data_offset finds it), so that the damage surely hits data.
flip_byte() {
  local off size at b
  read -r off size < <("${H5OFF:?}" "$1" "$2") || fail "no raw data of $2 in $1"
  at=$((off + size / 2))
  b=$(od -An -tu1 -j "$at" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$at" conv=notrunc status=none || fail "dd"
}

# truncate_half FILE: keeps the first half of FILE.
truncate_half() { truncate -s $(($(stat -c %s "$1") / 2)) "$1" || fail "truncate $1"; }

# damaged_resume DIR FILE STAGE: DIR/checkpoints/FILE was damaged; the markers from STAGE on
# and the results are removed, so that --resume must read FILE. It must stop, name the file
# and say what to do, and leave no results and no later marker (nothing was used).
damaged_resume() {
  local out="$1" file="$2" stage="$3" s on=0
  for s in members score refine eval; do
    [ "$s" = "$stage" ] && on=1
    [ "$on" = 1 ] && rm -f "$out/checkpoints/$s.done"
  done
  rm -f "$out/results.h5" "$out/metrics.json"
  expect_failure 2 "checkpoints/$file[: ].*(damaged|truncated).*delete " run_plain "$out" --resume
  [ ! -e "$out/results.h5" ] || fail "a run from a damaged $file left results.h5"
  [ ! -e "$out/checkpoints/$stage.done" ] || fail "a run from a damaged $file marked the $stage stage done"
}

case "$case_name" in
  data)
    # The ci preset, with fewer images, so that every run takes seconds.
    rm -rf "$WORK" && mkdir -p "$WORK"
    "$DDAD" synth --preset ci --normal 48 --pool0 24 --pool1 24 --test-normal 16 --test-abnormal 16 --out "$DATA" ;;
  np1|np2|np6)
    n="${case_name#np}"
    rm -rf "$WORK/$case_name"
    run_ddad "$n" "$WORK/$case_name" || fail "mpirun -np $n exited with $?"
    expect_outputs "$WORK/$case_name" ;;
  repeat)
    rm -rf "$WORK/np2b"
    run_ddad 2 "$WORK/np2b" || fail "second -np 2 run failed"
    $CMP "$WORK/np2/results.h5" "$WORK/np2b/results.h5" --exact members refiner losses scores maps metrics || exit 1 ;;
  ranks)
    $CMP "$WORK/np1/results.h5" "$WORK/np6/results.h5" --exact members losses/members scores/test/rec \
      scores/test/intra scores/test/inter maps/test/rec maps/test/intra maps/test/inter \
      --rtol scores/test/r_dual=1e-5 || exit 1 ;;
  refiner_ranks)
    for n in 1 2 3; do
      rm -rf "$WORK/ref$n" && mkdir -p "$WORK/ref$n" && cp -r "$WORK/np1/checkpoints" "$WORK/ref$n/" || fail "copy"
      run_ddad "$n" "$WORK/ref$n" --stage refine --refine-steps 20 --set RefineSolver.num_epoch=4 \
        --set RefineSolver.bs=8 ||
        fail "refiner with $n ranks failed"
    done
    # The weights (parameters and BatchNorm statistics) as one vector: max|w_N - w_1| /
    # max|w_1| <= 1e-5. The ranks' gradient contributions are split-invariant and summed in
    # double after graining, which makes them exact (docs/NN.md): measured identical; the
    # bound allows for data whose values leave the grain's range.
    for n in 2 3; do
      $CMP "$WORK/ref1/checkpoints/refine.h5" "$WORK/ref$n/checkpoints/refine.h5" --vector-rtol net=1e-5 \
        --exclude optimizer || exit 1
    done ;;
  resume)
    out="$WORK/resume"
    rm -rf "$out"
    DDAD_TEST_SIGNAL_AT=members:1 run_ddad 2 "$out"
    rc=$?; [ "$rc" -eq 3 ] || fail "the preempted member stage exited with $rc, expected 3"
    [ ! -f "$out/results.h5" ] || fail "a preempted run left results.h5"
    DDAD_TEST_SIGNAL_AT=refine:5 run_ddad 2 "$out" --resume
    rc=$?; [ "$rc" -eq 3 ] || fail "the preempted refiner exited with $rc, expected 3"
    run_ddad 2 "$out" --resume || fail "the final resume failed"
    $CMP "$WORK/np2/results.h5" "$out/results.h5" --exact members refiner losses scores maps metrics || exit 1 ;;
  resume_ranks)
    out="$WORK/resume3"
    rm -rf "$out"
    DDAD_TEST_SIGNAL_AT=members:1 run_ddad 2 "$out"
    rc=$?; [ "$rc" -eq 3 ] || fail "the preempted run exited with $rc, expected 3"
    run_ddad 3 "$out" --resume || fail "resuming with 3 ranks failed"
    $CMP "$WORK/np2/results.h5" "$out/results.h5" --exact members losses/members scores/test/rec scores/test/intra \
      scores/test/inter --rtol scores/test/r_dual=1e-5 || exit 1 ;;
  kill_resume)
    # One rank dies hard (SIGKILL) in the second epoch round; the job must stop, and a
    # resume from the periodic checkpoints (ci: every epoch) must give identical results.
    out="$WORK/killed"
    rm -rf "$out"
    t0=$SECONDS
    DDAD_TEST_SIGNAL_AT=members:2:KILL:1 run_ddad 2 "$out"
    rc=$?
    [ "$rc" -ne 0 ] && [ $((SECONDS - t0)) -lt 200 ] || fail "the killed job exited with $rc after $((SECONDS - t0)) s"
    [ ! -f "$out/results.h5" ] || fail "a killed run left results.h5"
    run_ddad 2 "$out" --resume || fail "resume after the kill failed"
    $CMP "$WORK/np2/results.h5" "$out/results.h5" --exact members refiner losses scores maps metrics || exit 1 ;;
  refuse_other_config)
    # A finished stage, then a member checkpoint, of another configuration.
    out="$WORK/other"
    rm -rf "$out" && mkdir -p "$out" && cp -r "$WORK/np1/checkpoints" "$out/" || fail "copy"
    expect_failure 2 "members stage .*another setup: this run has Model.ls=8, the stage had Model.ls=16" \
      run_ddad 1 "$out" --resume --set Model.ls=8
    rm -f "$out"/checkpoints/*.done
    "$DDAD" synth --preset ci --img-size 16 --normal 48 --pool0 24 --pool1 24 --test-normal 16 --test-abnormal 16 \
      --out "$WORK/ci16.h5" >/dev/null || fail "synth"
    expect_failure 2 "ndm_0.h5 was written for another setup: this run has Data.img_size=16" \
      run_ddad 1 "$out" --resume --set Data.img_size=16 --set "Data.file=$WORK/ci16.h5" ;;
  corrupt_checkpoints)
    # Every file --resume reads, damaged in two ways: one byte of a dataset's data inverted,
    # and the file cut in half. Each is refused, by name, before anything uses it.
    fresh() { out="$WORK/damaged_$1"; rm -rf "$out" && cp -r "$WORK/np1" "$out" || fail "copy"; }
    fresh member_flip; flip_byte "$out/checkpoints/ndm_0.h5" net/linear_enc.0.weight
    damaged_resume "$out" ndm_0.h5 score
    fresh member_cut; truncate_half "$out/checkpoints/udm_2.h5"
    damaged_resume "$out" udm_2.h5 score
    fresh score_flip; flip_byte "$out/checkpoints/score.h5" map_intra
    damaged_resume "$out" score.h5 eval
    fresh score_cut; truncate_half "$out/checkpoints/score.h5"
    damaged_resume "$out" score.h5 eval
    fresh refine_flip; flip_byte "$out/checkpoints/refine.h5" net/model.3.weight
    damaged_resume "$out" refine.h5 eval
    # the members stage itself resumes from a damaged member (its marker removed too)
    fresh member_stage; flip_byte "$out/checkpoints/udm_1.h5" net/linear_dec.0.weight
    damaged_resume "$out" udm_1.h5 members
    # attributes and other metadata: one byte of the key text inverted in place
    fresh member_attr
    f="$out/checkpoints/ndm_1.h5"
    at=$(grep -obUa "img_size=" "$f" | head -n 1 | cut -d: -f1)
    [ -n "$at" ] || fail "no key text in $f"
    printf 'J' | dd of="$f" bs=1 seek="$at" conv=notrunc status=none || fail "dd"
    damaged_resume "$out" ndm_1.h5 score ;;
  resume_other_setup)
    # --resume under another setup: a dataset of other content with the same counts (synth
    # with another --seed), a dataset without a digest (written by an older ddad), and
    # changed training keys. Each is refused, naming what differs.
    out="$WORK/other_setup"
    rm -rf "$out" && cp -r "$WORK/np1" "$out" || fail "copy"
    other="$WORK/ci_seed7.h5"
    "$DDAD" synth --preset ci --seed 7 --normal 48 --pool0 24 --pool1 24 --test-normal 16 --test-abnormal 16 \
      --out "$other" >/dev/null || fail "synth"
    # the finished stages' markers, then (markers removed) the member checkpoints
    expect_failure 2 "members stage .*another setup: this run has Data.digest=fnv1a64:[0-9a-f]{16}, the stage had Data.digest=.*Data.file" run_plain "$out" --resume --set "Data.file=$other"
    rm -f "$out"/checkpoints/*.done
    expect_failure 2 "ndm_0.h5 was written for another setup: this run has Data.digest=.*Data.file" \
      run_plain "$out" --resume --set "Data.file=$other"
    [ ! -e "$out/checkpoints/members.done" ] || fail "a refused resume marked the members stage done"
    # a dataset without a digest
    cp "$DATA" "$WORK/ci_nodigest.h5" || fail "copy"
    "$PY" -c "import sys, h5py; f = h5py.File(sys.argv[1], 'r+'); del f.attrs['digest']" "$WORK/ci_nodigest.h5" ||
      fail "cannot remove the digest attribute"
    expect_failure 2 "ci_nodigest.h5 .*no content digest.*ddad (prepare|synth)" \
      run_plain "$out" --resume --set "Data.file=$WORK/ci_nodigest.h5"
    # training keys: of the refiner (its marker), then two of the members at once
    rm -rf "$out" && cp -r "$WORK/np1" "$out" || fail "copy"
    expect_failure 2 "refine stage .*this run has RefineSolver.lr=0.0002, the stage had RefineSolver.lr=0.0001" \
      run_plain "$out" --resume --set RefineSolver.lr=2e-4
    expect_failure 2 "this run has Solver.bs=8, the stage had Solver.bs=16; this run has Solver.lr=0.001, the stage had Solver.lr=0.0005" \
      run_plain "$out" --resume --set Solver.bs=8 --set Solver.lr=1e-3
    # a score file of other members (its key rewritten) behind a matching marker
    rm -rf "$out" && cp -r "$WORK/np1" "$out" && rm -f "$out/checkpoints/eval.done" || fail "copy"
    "$PY" - "$out/checkpoints/score.h5" <<'PY' || fail "cannot rewrite the key of score.h5"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["key"] = f.attrs["key"].replace(b"Model.ls=16", b"Model.ls=8")
PY
    expect_failure 2 "score file .*score.h5 was written for another setup: this run has Model.ls=16, the score file has Model.ls=8" \
      run_plain "$out" --resume
    [ ! -e "$out/results.h5" ] || fail "a refused resume left results.h5"
    # keys that do not change what is trained do not stop a resume
    rm -rf "$out" && cp -r "$WORK/np1" "$out" || fail "copy"
    run_plain "$out" --resume --set Checkpoint.every_epochs=0 --set Output.save_maps=false ||
      fail "a resume with only output keys changed failed" ;;
  fail_nan)
    expect_failure "[1-9][0-9]*" "rank [0-9]+, (NDM|UDM) member [0-9]+, epoch [0-9]+.*(NaN|infinite)" \
      run_ddad 2 "$WORK/nan" --set Solver.lr=3e38
    [ ! -f "$WORK/nan/results.h5" ] || fail "a failed run left results.h5" ;;
  fail_corrupt)
    head -c 20000 "$DATA" >"$WORK/corrupt.h5"
    expect_failure "[1-9][0-9]*" "corrupt.h5" \
      timeout -k 10 120 mpirun --oversubscribe -np 2 "$DDAD" run --config "$CONFIG" --set "Data.file=$WORK/corrupt.h5" \
      --set "Exp.out_dir=$WORK/corrupt" --quiet ;;
  fail_ranks)
    expect_failure 2 "7 MPI ranks but only 6 ensemble members" run_ddad 7 "$WORK/seven" ;;
  threads_env)
    # DDAD_THREADS sets the compute threads per rank (the log says so); a bad value is refused
    DDAD_THREADS=zero expect_failure 2 "DDAD_THREADS=zero: expected a thread count" run_ddad 1 "$WORK/threads_bad"
    rm -rf "$WORK/threads"
    log="$(DDAD_THREADS=1 timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 "$DDAD" run \
      --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=$WORK/threads" --stage members 2>&1)" ||
      fail "DDAD_THREADS=1 run failed: $log"
    grep -q "1 thread(s) per rank" <<<"$log" || fail "the log does not say 1 thread per rank: $log" ;;
  device)
    # Exp.device auto runs wherever it is; where no GPU is visible the job runs on the CPU
    # and Exp.device cuda is refused with a clear message. On a GPU node both train the
    # members on the GPU.
    rm -rf "$WORK/dev_auto" "$WORK/dev_cuda"
    log="$(timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 "$DDAD" run --config "$CONFIG" \
      --set "Data.file=$DATA" --set "Exp.out_dir=$WORK/dev_auto" --set Exp.device=auto --stage members 2>&1)" ||
      fail "Exp.device auto failed: $log"
    if nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
      grep -q "train on the GPU" <<<"$log" || fail "a GPU is visible but auto did not use it: $log"
      run_ddad 1 "$WORK/dev_cuda" --set Exp.device=cuda --stage members || fail "Exp.device cuda failed on a GPU node"
    else
      grep -q "thread(s) per rank" <<<"$log" || fail "auto without a GPU did not train on the CPU: $log"
      expect_failure 2 "Exp.device is cuda but" run_ddad 1 "$WORK/dev_cuda" --set Exp.device=cuda
      [ ! -e "$WORK/dev_cuda/results.h5" ] || fail "a refused run left results behind"
    fi ;;
  gpu_stages|emu_stages)
    # With a GPU (gpu_stages), or on the CPU emulator's one GPU that every rank shares
    # (emu_stages: build/tests/ddad_emu, tests/gpu/emu): the score and eval stages on the device against the CPU's, from the same
    # CPU-trained members and refiner (np2's run directory): maps and image scores within
    # float rounding, the rest exact; then the refiner trained on the GPU. Score runs on 4
    # ranks (6 members: two ranks hold two, two hold one, so the gather carries padded
    # slots), and DDAD_GPU_CHUNK=5 cuts the 32 test images into several chunks with a
    # partial last one. Last, members trained on the GPU with 1 and with 3 ranks agree.
    # gpu_stages is skipped (77) without a GPU.
    G="$WORK/${case_name%_stages}"
    export ASAN_OPTIONS=detect_leaks=0   # the emulator's kernels run under AddressSanitizer
    if [ "$case_name" = emu_stages ]; then
      DDAD="${DDAD_EMU:?}"
    else
      nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || { echo "SKIPPED: no GPU visible"; exit 77; }
    fi
    for st in score eval; do
      np=2; [ "$st" = score ] && np=4
      rm -rf "${G}_$st" && cp -r "$WORK/np2" "${G}_$st" || fail "copying $WORK/np2"
      log="$(DDAD_GPU_CHUNK=5 timeout -k 10 240 mpirun --oversubscribe --bind-to none -np $np -x DDAD_GPU_CHUNK -x ASAN_OPTIONS \
        "$DDAD" run --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=${G}_$st" \
        --set Exp.device=cuda --stage "$st" 2>&1)" || fail "--stage $st with Exp.device cuda exited with $?: $log"
      grep -q "train on the GPU" <<<"$log" || fail "--stage $st did not use the GPU: $log"
    done
    # score: every member's forward, the gather and the maps ran on the GPU
    $CMP "$WORK/np2/checkpoints/score.h5" "${G}_score/checkpoints/score.h5" --exact labels names \
      --rtol map_rec=1e-3 map_intra=1e-3 map_inter=1e-3 rec=1e-3 intra=1e-3 inter=1e-3 || exit 1
    # eval: the refiner's inference ran on the GPU; the discrepancy scores are the CPU's
    $CMP "$WORK/np2/results.h5" "${G}_eval/results.h5" --exact scores/test/rec scores/test/intra \
      scores/test/inter maps/test/rec maps/test/intra maps/test/inter members refiner \
      --rtol scores/test/r_dual=5e-4 maps/test/r_dual=1e-3 || exit 1
    # refine + eval: the refiner trained on the GPU (2 ranks on one GPU: its leader alone,
    # at the global batch; with two GPUs, data-parallel over NCCL) against the CPU's 2-rank
    # training, as one parameter vector: the same samples and updates, other rounding
    rm -rf "${G}_refine" && cp -r "$WORK/np2" "${G}_refine" || fail "copying $WORK/np2"
    for st in refine eval; do
      log="$(timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 -x ASAN_OPTIONS "$DDAD" run \
        --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=${G}_refine" --set Exp.device=cuda \
        --stage "$st" 2>&1)" ||
        fail "--stage $st with Exp.device cuda exited with $?: $log"
    done
    $CMP "$WORK/np2/results.h5" "${G}_refine/results.h5" --vector-rtol refiner=1e-3 \
      --rtol scores/test/r_dual=1e-2 || exit 1
    "$PY" - "${G}_eval/results.h5" <<'PY' || fail "results.h5 of the GPU run lacks /gpu_memory/eval"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
peak = f["gpu_memory/eval"][()]
print("peak GPU memory of the eval stage per rank (MiB):", peak / 2**20)
sys.exit(0 if len(peak) == 2 and (peak > 0).all() else 1)
PY
    # members on the GPU with 1 rank (six in turn in one process) and with 3 (two each, three
    # processes sharing the GPU): each member is trained by one process either way, so the
    # weights agree up to the rounding of the cuDNN algorithms each process times for
    # itself (bit for bit where they choose the same; printed)
    for n in 1 3; do
      rm -rf "${G}_m$n"
      log="$(timeout -k 10 240 mpirun --oversubscribe --bind-to none -np $n -x ASAN_OPTIONS "$DDAD" run \
        --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=${G}_m$n" --set Exp.device=cuda \
        --stage members 2>&1)" ||
        fail "--stage members on $n rank(s) with Exp.device cuda exited with $?: $log"
    done
    for m in ndm_0 ndm_1 ndm_2 udm_0 udm_1 udm_2; do
      $CMP "${G}_m1/checkpoints/$m.h5" "${G}_m3/checkpoints/$m.h5" --vector-rtol net=1e-4 || exit 1
    done
    [ "$case_name" = emu_stages ] || exit 0
    # The emulator only: two emulated GPUs. The refiner on 2 ranks, one per GPU ("nccl"
    # mode: the all-reduce inside its captured graphs), and the score stage on 4 ranks, two
    # per GPU (the hierarchy, with NCCL between the two leaders), against the CPU's.
    export DDAD_EMU_GPUS=2
    rm -rf "${G}2_refine" "${G}2_score"
    cp -r "$WORK/np2" "${G}2_refine" && cp -r "$WORK/np2" "${G}2_score" || fail "copying $WORK/np2"
    for st in refine eval; do
      log="$(timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 -x ASAN_OPTIONS -x DDAD_EMU_GPUS "$DDAD" \
        run --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=${G}2_refine" --set Exp.device=cuda \
        --stage "$st" 2>&1)" || fail "--stage $st on 2 emulated GPUs exited with $?: $log"
      [ "$st" = eval ] || grep -q "GPU collectives: nccl (2 GPU(s) in use" <<<"$log" || fail "not in nccl mode: $log"
    done
    $CMP "$WORK/np2/results.h5" "${G}2_refine/results.h5" --vector-rtol refiner=1e-3 \
      --rtol scores/test/r_dual=1e-2 || exit 1
    log="$(timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 4 -x ASAN_OPTIONS -x DDAD_EMU_GPUS "$DDAD" \
      run --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=${G}2_score" --set Exp.device=cuda \
      --stage score 2>&1)" || fail "--stage score on 2 emulated GPUs exited with $?: $log"
    grep -q "GPU collectives: hierarchy (2 GPU(s) in use, up to 2 rank" <<<"$log" || fail "not a 2-GPU hierarchy: $log"
    $CMP "$WORK/np2/checkpoints/score.h5" "${G}2_score/checkpoints/score.h5" --exact labels names \
      --rtol map_rec=1e-3 map_intra=1e-3 map_inter=1e-3 rec=1e-3 intra=1e-3 inter=1e-3 || exit 1
    ;;
  emu_placements)
    # The whole job (every stage, Exp.device cuda) on emulated GPUs: 6 ranks sharing one
    # GPU, and 2 ranks with a GPU each ("nccl" mode). Members, their losses and the
    # discrepancy scores agree bit for bit (each member is trained by one process with
    # the same kernels either way); the refiner within float rounding (its gradients are
    # summed in another order; 5e-6 measured).
    DDAD="${DDAD_EMU:?}"
    export ASAN_OPTIONS=detect_leaks=0
    for run in "6 1" "2 2"; do
      read -r np gpus <<<"$run"
      rm -rf "$WORK/emu_np$np"
      log="$(DDAD_EMU_GPUS=$gpus timeout -k 10 240 mpirun --oversubscribe --bind-to none -np "$np" -x ASAN_OPTIONS \
        -x DDAD_EMU_GPUS "$DDAD" run --config "$CONFIG" --set "Data.file=$DATA" --set "Exp.out_dir=$WORK/emu_np$np" \
        --set Exp.device=cuda 2>&1)" || fail "$np rank(s) on $gpus emulated GPU(s) exited with $?: $log"
      expect_outputs "$WORK/emu_np$np"
    done
    $CMP "$WORK/emu_np6/results.h5" "$WORK/emu_np2/results.h5" --exact members losses/members scores/test/rec \
      scores/test/intra scores/test/inter maps/test/rec maps/test/intra maps/test/inter --vector-rtol refiner=1e-4 \
      --rtol scores/test/r_dual=1e-2 || exit 1 ;;
  emu_interrupted)
    # A GPU job (2 emulated GPUs, 2 refiner epochs) stopped three times and resumed each
    # time: preempted (SIGUSR1, exit 3) in the members' first epoch round and at the end of
    # the refiner's first epoch (step 6), then run out of GPU memory as the refiner stage
    # resumes (DDAD_EMU_MEM_MIB: 50 MiB each, where it needs about 70). The out-of-memory
    # stop must name the buffer and say what to do, and leave no results and no temporary
    # files; each stop keeps what was finished. The last resume, on GPUs with room, must
    # give the results of a run that never stopped, bit for bit: emu_placements' 2-GPU
    # members and scores, with its refiner trained again for 2 epochs.
    DDAD="${DDAD_EMU:?}"
    export ASAN_OPTIONS=detect_leaks=0 DDAD_EMU_GPUS=2 DDAD_EMU_MEM_MIB=1024 DDAD_TEST_SIGNAL_AT=
    emu_run() {
      timeout -k 10 240 mpirun --oversubscribe --bind-to none -np 2 -x ASAN_OPTIONS -x DDAD_EMU_GPUS \
        -x DDAD_EMU_MEM_MIB -x DDAD_TEST_SIGNAL_AT "$DDAD" run --config "$CONFIG" --set "Data.file=$DATA" \
        --set "Exp.out_dir=$out" --set Exp.device=cuda --set RefineSolver.num_epoch=2 --quiet "$@"
    }
    out="$WORK/emu_uninterrupted"
    rm -rf "$out" && cp -r "$WORK/emu_np2" "$out" || fail "copying $WORK/emu_np2"
    rm -f "$out"/checkpoints/{refine,eval}.done "$out/checkpoints/refine.h5" "$out"/{results.h5,metrics.json}
    emu_run --resume || fail "the uninterrupted refiner exited with $?"
    out="$WORK/emu_interrupted"
    rm -rf "$out"
    DDAD_TEST_SIGNAL_AT=members:1 emu_run
    rc=$?; [ "$rc" -eq 3 ] || fail "the preempted member stage exited with $rc, expected 3"
    [ -f "$out/checkpoints/ndm_0.h5" ] || fail "the preempted member stage left no checkpoint"
    DDAD_TEST_SIGNAL_AT=refine:6 emu_run --resume
    rc=$?; [ "$rc" -eq 3 ] || fail "the preempted refiner exited with $rc, expected 3"
    [ -f "$out/checkpoints/score.done" ] && [ -f "$out/checkpoints/refine.h5" ] ||
      fail "the preempted refiner did not keep the score stage and its checkpoint"
    DDAD_EMU_MEM_MIB=50 expect_failure "[1-9][0-9]*" \
      "cannot allocate [0-9.]+ MiB of GPU memory for .*free the GPU of other processes.*--resume" emu_run --resume
    [ ! -e "$out/checkpoints/refine.done" ] || fail "the refiner stage was marked done"
    for f in results.h5 metrics.json; do [ ! -e "$out/$f" ] || fail "a stopped run left $f"; done
    left="$(find "$out" -name '*.tmp.*')"
    [ -z "$left" ] || fail "a stopped run left temporary files: $left"
    emu_run --resume || fail "the last resume exited with $?"
    expect_outputs "$out"
    $CMP "$WORK/emu_uninterrupted/results.h5" "$out/results.h5" --exact members losses scores maps refiner metrics ||
      exit 1 ;;
  emu_cross_device)
    # A job preempted on one kind of node and requeued on another: members preempted after
    # their first epoch round on the (emulated) GPU and resumed on the CPU, and the other
    # way round. Both finish; the first epoch's losses are bit for bit those of the device
    # that trained it (emu_placements' 2-GPU run, or np2 on the CPU), so the second device
    # went on from the first one's checkpoints rather than starting again.
    export ASAN_OPTIONS=detect_leaks=0 DDAD_EMU_GPUS=2
    for from in cuda cpu; do
      to=cpu first="$WORK/emu_np2/results.h5"
      [ "$from" = cpu ] && to=cuda first="$WORK/np2/results.h5"
      out="$WORK/emu_${from}_to_$to"
      rm -rf "$out"
      DDAD_TEST_SIGNAL_AT=members:1 DDAD="$DDAD_EMU" run_ddad 2 "$out" --set Exp.device=$from
      rc=$?; [ "$rc" -eq 3 ] || fail "the preempted run on $from exited with $rc, expected 3"
      DDAD="$DDAD_EMU" run_ddad 2 "$out" --resume --set Exp.device=$to || fail "resuming on $to exited with $?"
      expect_outputs "$out"
      "$PY" - "$first" "$out/results.h5" "$to" <<'PY' || fail "$from then $to: not resumed on $to from the $from run"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["losses/members"] for p in sys.argv[1:3])
devices = h5py.File(sys.argv[2], "r").attrs["devices"].decode()
print("the resumed run:", devices)
ok = devices.startswith(sys.argv[3] + ":")
for m in a:
    x, y = a[m][()], b[m][()]
    same = len(y) == 2 and x[0] == y[0] and np.isfinite(y).all()
    print(m, "epoch losses", y, "first epoch as the first device's" if same else "MISMATCH", x)
    ok = ok and same
sys.exit(0 if ok else 1)
PY
    done ;;
  missing_stage)
    rm -rf "$WORK/empty"
    expect_failure 2 "run --stage members first" run_ddad 1 "$WORK/empty" --stage refine ;;
  memae)
    expect_failure 2 "MemAE is not available yet" run_ddad 1 "$WORK/memae" --set Model.network=MemAE --set Model.mem_dim=25 --set Model.shrink_thres=0.0025 ;;
  inter_beats_rec)
    # The method's central claim on a small synthetic set: A_inter separates better than A_rec.
    DATA="$WORK/sep.h5"
    "$DDAD" synth --preset ci --normal 256 --pool0 128 --pool1 128 --test-normal 64 --test-abnormal 64 --seed 5 \
      --out "$DATA" >/dev/null || fail "synth"
    rm -rf "$WORK/sep"
    run_ddad 2 "$WORK/sep" --stage members --set Solver.num_epoch=15 --set Data.extra_data=200 --set Data.ar=0.5 \
      --set Checkpoint.every_epochs=0 || fail "members"
    run_ddad 2 "$WORK/sep" --stage score --set Solver.num_epoch=15 --set Data.extra_data=200 --set Data.ar=0.5 \
      --set Checkpoint.every_epochs=0 || fail "score"
    "$PY" - "$WORK/sep/checkpoints/score.h5" <<'PY' || fail "A_inter does not beat A_rec"
import sys, h5py, numpy as np
from sklearn.metrics import roc_auc_score
f = h5py.File(sys.argv[1], "r")
y = f["labels"][()]
auc = {k: roc_auc_score(y, f[k][()]) for k in ("rec", "intra", "inter")}
print("AUROC", auc)
sys.exit(0 if auc["inter"] > auc["rec"] + 0.05 else 1)
PY
    ;;
  report)
    rm -rf "$WORK/report"
    "$PY" "$SRC/analysis/report.py" "$WORK/np1/results.h5" "$WORK/report" || fail "report.py failed"
    for f in roc.png histograms.png maps.png summary.md; do [ -s "$WORK/report/$f" ] || fail "report: $f missing"; done ;;
  to_torch)
    # analysis/ddad_to_torch.py reads the members and the refiner of a real run.
    rm -rf "$WORK/torch"
    "$PY" "$SRC/analysis/ddad_to_torch.py" "$WORK/np1" "$WORK/torch" || fail "ddad_to_torch.py failed"
    for n in ndm_0 ndm_1 ndm_2 udm_0 udm_1 udm_2 refine; do [ -s "$WORK/torch/$n.pth" ] || fail "$n.pth missing"; done ;;
  info)
    out="$("$DDAD" info "$WORK/np1/results.h5")" || fail "ddad info failed"
    echo "$out"
    echo "$out" | grep -q "DDAD results" || fail "no summary"
    echo "$out" | grep -Eq "r_dual +[0-9.]+" || fail "no metrics table"
    echo "$out" | grep -q "peak GPU memory" && fail "a CPU run's summary shows GPU memory"
    # a GPU run's file also holds /gpu_memory/<stage> (bytes per rank): the summary shows it
    cp "$WORK/np1/results.h5" "$WORK/info_gpu.h5" || fail "copying results.h5"
    "$PY" - "$WORK/info_gpu.h5" <<'PY' || fail "cannot add /gpu_memory"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f["gpu_memory/members"] = np.array([3 * 2**20, 5 * 2**20], dtype=np.int64)
PY
    out="$("$DDAD" info "$WORK/info_gpu.h5")" || fail "ddad info failed on a GPU run's file"
    echo "$out" | grep -Eq "members +2 rank\(s\): max 5\.0 +least 3\.0" || fail "no GPU memory line: $out" ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"

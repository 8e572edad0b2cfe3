#!/usr/bin/env bash
# The device check for a lent GPU node (no network, nothing installable; one run must fit
# well inside 10 minutes). It
#   1. uses a build carried from a development machine (bench/gpu-carry.sh -> build-carry/,
#      libraries the node lacks in build-carry/lib), or builds the GPU targets on the node;
#   2. runs the GPU tests (each CUDA layer, loss, optimiser and network against the CPU
#      reference; the collectives with 2 and 3 ranks on the GPU(s));
#   3. runs the kernel lab and the workload benchmark (fp32 and tf32), and the PyTorch
#      reference timings on the same card;
#   4. runs the whole job at RSNA scale, 6 ranks on the GPU, logging SM utilisation
#      (skipped with --quick);
#   5. runs the small job under compute-sanitizer's memcheck, where the node has it
#      (skipped with --quick);
#   6. prints a short table last.
# A whole run aims at 7 minutes (GPU_CHECK_BUDGET_S, default 420), so that a 15-minute
# loan of the node fits two.
# Logs go to $OUT when set (else build-gpucheck/): gpu-check.log, RESULTS.md (a
# section for bench/RESULTS.md) and one log per step.
# Usage: bench/gpu-check.sh [--quick]   (--quick: fewer benchmark steps)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/build-gpucheck}"
mkdir -p "$out"
log="$out/gpu-check.log"
: >"$log"
steps=200 quick=0
[ "${1:-}" = "--quick" ] && { steps=50; quick=1; }
t0=$(date +%s)
note() { echo "[$(( $(date +%s) - t0 ))s] $*" | tee -a "$log"; }
# seconds_left EXTRA CAP: what is left of the budget (GPU_CHECK_BUDGET_S + EXTRA), at most CAP
seconds_left() {
  local l=$(( ${GPU_CHECK_BUDGET_S:-420} + $1 - ( $(date +%s) - t0 ) ))
  [ "$l" -gt "$2" ] && l=$2
  echo "$l"
}
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"   # always set: mpirun -x passes it on
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# the first python3 with h5py (the node's plain python3 holds PyTorch and h5py; Debian's
# /usr/bin/python3 may have neither)
py=""
for c in python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null && "$c" -c "import h5py, numpy" 2>/dev/null; then py=$(command -v "$c"); break; fi
done
[ -n "$py" ] || py=python3

note "ddad GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
card=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
note "card: ${card:-none visible}"
note "python: $py ($("$py" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null))"
nvidia-smi >>"$log" 2>&1 || true

# ---- 1. binaries: carried, or built here ----
bin=""
targets="ddad test_gpu_layers test_gpu_ops test_gpu_models test_gpu_comm test_gpu_conv_gemm bench_gpu_step bench_conv_algos bench_bn_relu bench_bn_stats bench_bn_index bench_bn_cols bench_conv_gemm bench_adam"
if [ -x build-carry/bin/test_gpu_layers ]; then
  export LD_LIBRARY_PATH="$root/build-carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if ldd build-carry/bin/test_gpu_layers | grep -q "not found"; then
    note "carried build misses libraries here:"; ldd build-carry/bin/test_gpu_layers | grep "not found" | tee -a "$log"
  else
    bin="$root/build-carry/bin"; note "using the carried build in build-carry/"
  fi
fi
if [ -z "$bin" ]; then
  note "building on the node (sm_90)"
  gen=""; command -v ninja >/dev/null && gen="-G Ninja"
  if timeout 120 cmake -S . -B build-node $gen -DCMAKE_BUILD_TYPE=Release -DDDAD_CUDA=ON -DDDAD_CUDA_ARCHS=90 \
       >"$out/build.log" 2>&1 && timeout 300 cmake --build build-node -j "$(nproc)" --target $targets >>"$out/build.log" 2>&1; then
    mkdir -p build-node/gpu-bin
    for t in $targets; do cp "$(find build-node -name "$t" -type f -perm -u+x | head -1)" build-node/gpu-bin/; done
    bin="$root/build-node/gpu-bin"
  else
    note "build failed (tail of $out/build.log):"; tail -20 "$out/build.log" | tee -a "$log"
    echo "RESULT build FAILED"; exit 1
  fi
fi

# ---- 2. tests ----
declare -A status
run_test() {   # name, timeout, command...
  local name=$1 limit=$2; shift 2
  note "test $name"
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  case $rc in 0) status[$name]=passed ;; 77) status[$name]=SKIPPED ;; 124) status[$name]="TIMEOUT" ;; *) status[$name]="FAILED($rc)" ;; esac
  grep -E "FAIL|checks|mode|SKIPPED" "$out/$name.log" | tail -8 | tee -a "$log"
}
run_test gpu.layers 120 "$bin/test_gpu_layers"
run_test gpu.ops 120 "$bin/test_gpu_ops"
run_test gpu.models 180 "$bin/test_gpu_models"
run_test gpu.conv_gemm 60 "$bin/test_gpu_conv_gemm"
run_test gpu.layers_gemm 120 env DDAD_CONV_ENGINE=gemm "$bin/test_gpu_layers"
run_test gpu.comm_np2 120 env DDAD_NCCL_FORCE=1 mpirun -np 2 --oversubscribe -x DDAD_NCCL_FORCE -x LD_LIBRARY_PATH "$bin/test_gpu_comm"
run_test gpu.comm_np3 120 mpirun -np 3 --oversubscribe -x LD_LIBRARY_PATH "$bin/test_gpu_comm"

# ---- 2b. the whole job, members on the GPU against the CPU (configs/ci.yaml, small) ----
note "end to end: ddad run on configs/ci.yaml, Exp.device cpu and cuda, 2 ranks"
e2e_ok=1
if timeout 60 "$bin/ddad" synth --preset ci --out "$out/e2e.h5" >"$out/e2e_data.log" 2>&1; then
  for dev in cpu cuda; do
    rm -rf "$out/e2e_$dev"
    timeout 240 mpirun -np 2 --oversubscribe -x LD_LIBRARY_PATH "$bin/ddad" run --config configs/ci.yaml \
      --set "Data.file=$out/e2e.h5" --set "Exp.out_dir=$out/e2e_$dev" --set "Exp.device=$dev" \
      >"$out/e2e_$dev.log" 2>&1 || { rc=$?; e2e_ok=0; note "  ddad run with Exp.device $dev exited with $rc"; }
    grep -E "GPU|train on|run: done" "$out/e2e_$dev.log" | tee -a "$log"
    [ -f "$out/e2e_$dev/metrics.json" ] && note "  $dev metrics: $(tr -d '\n' <"$out/e2e_$dev/metrics.json" | cut -c1-300)"
  done
  # epochs longer than the trainers' 64-reading loss ring (UDM 68 steps at batch 2)
  rm -rf "$out/e2e_long"
  timeout 120 mpirun -np 2 --oversubscribe -x LD_LIBRARY_PATH "$bin/ddad" run --config configs/ci.yaml \
    --set "Data.file=$out/e2e.h5" --set "Exp.out_dir=$out/e2e_long" --set "Exp.device=cuda" \
    --set "Solver.bs=2" --set "Solver.num_epoch=1" >"$out/e2e_long.log" 2>&1 ||
    { rc=$?; e2e_ok=0; note "  ddad run with epochs over 64 steps (Exp.device cuda) exited with $rc"; }
  grep -E "run: done" "$out/e2e_long.log" | sed 's/^/  long epochs: /' | tee -a "$log"
else
  e2e_ok=0; note "  ddad synth failed (see e2e_data.log)"
fi
status[e2e.run]=$([ $e2e_ok = 1 ] && echo passed || echo FAILED)

# ---- 2c. the score and eval stages on the GPU against the CPU's, from the same CPU-trained
# members and refiner (tests/pipeline/pipeline_test.sh gpu_stages, after its data and np2) ----
pipe=(env DDAD="$bin/ddad" PY="$py" SRC="$root" WORK="$out/pipe" bash "$root/tests/pipeline/pipeline_test.sh")
run_test pipe.data 60 "${pipe[@]}" data
run_test pipe.np2 240 "${pipe[@]}" np2
run_test pipe.gpu_stages 300 "${pipe[@]}" gpu_stages

# ---- 3. benchmarks ----
bench() {   # name, timeout, command...
  local name=$1 limit=$2; shift 2
  note "bench $name"
  timeout "$limit" "$@" >"$out/$name.log" 2>&1 || note "  $name exited with $?"
  grep -v "^RESULT" "$out/$name.log" | tail -30 >>"$log"
  grep "^RESULT" "$out/$name.log" | tee -a "$log" >>"$out/results.txt"
}
: >"$out/results.txt"
bench step_fp32 150 "$bin/bench_gpu_step" fp32 "$steps"
bench step_tf32 150 "$bin/bench_gpu_step" tf32 "$steps"
bench conv_algos 90 "$bin/bench_conv_algos"
bench bn_relu 60 "$bin/bench_bn_relu"
bench bn_stats 60 "$bin/bench_bn_stats"
bench bn_index 60 "$bin/bench_bn_index"
bench bn_cols 60 "$bin/bench_bn_cols"
bench conv_gemm 60 "$bin/bench_conv_gemm"
bench adam 60 "$bin/bench_adam"
bench torch 180 "$py" bench/gpu/torch_ref.py --iters $((steps / 5))

# ---- 3b. the whole job at RSNA scale: 3,851 normal, 4,000 unlabeled (ar 0.6), 2,000 test
# images at 64x64, K = 3, 250 + 100 epochs, 6 ranks on the GPU (MPS when the node has it),
# configs/rsna.yaml as published but with Exp.precision tf32 (docs/GPU.md, "The 60 s job").
# Its time limit is what is left of a 7-minute check, at most 180 s (three times the target;
# a run cut off there still shows in rsna_job.log how far each stage got). ----
job_s="-"
if [ "$quick" = 1 ]; then
  note "RSNA-scale job skipped (--quick)"
else
  if ! timeout 60 "$bin/ddad" synth --preset demo --img-size 64 --normal 3851 --pool0 1600 --pool1 2400 \
       --test-normal 1000 --test-abnormal 1000 --out "$out/rsna_scale.h5" >"$out/rsna_data.log" 2>&1; then
    note "RSNA-scale data: ddad synth failed (see rsna_data.log)"
  else
    left=$(seconds_left 0 180)
    if [ "$left" -lt 60 ]; then
      note "RSNA-scale job skipped: only ${left}s of the check's ${GPU_CHECK_BUDGET_S:-420} s left"
    else
      note "RSNA-scale job, 6 ranks, Exp.device cuda, tf32, limit ${left}s"
      rm -rf "$out/rsna_job"
      mps_before=$(ls "${CUDA_MPS_PIPE_DIRECTORY:-/tmp/nvidia-mps}"/control 2>/dev/null)
      # SM utilisation once a second while the job runs: how busy the one GPU is
      dmon_pid=""
      if command -v nvidia-smi >/dev/null; then
        nvidia-smi dmon -s u -d 1 >"$out/rsna_dmon.log" 2>&1 &
        dmon_pid=$!
      fi
      js=$(date +%s.%N)
      DDAD="$bin/ddad" timeout "$left" "$root/launch/ddad-run" --mps --np 6 --config configs/rsna.yaml \
        --set "Data.file=$out/rsna_scale.h5" --set "Exp.out_dir=$out/rsna_job" --set Exp.device=cuda \
        --set Exp.precision=tf32 >"$out/rsna_job.log" 2>&1
      rc=$?
      je=$(date +%s.%N)
      [ -n "$dmon_pid" ] && kill "$dmon_pid" 2>/dev/null
      sm=$(awk '$1 !~ /^#/ && NF >= 3 && $2 ~ /^[0-9]+$/ {s += $2; n++} END {if (n) printf "%.0f%% over %d s", s / n, n}' \
        "$out/rsna_dmon.log" 2>/dev/null)
      [ -n "$sm" ] && note "  mean SM utilisation during the job: $sm (nvidia-smi dmon)"
      # a timeout kills ddad-run before it stops the MPS daemon it started
      if [ -z "$mps_before" ] && [ -n "$(ls "${CUDA_MPS_PIPE_DIRECTORY:-/tmp/nvidia-mps}"/control 2>/dev/null)" ]; then
        echo quit | nvidia-cuda-mps-control >/dev/null 2>&1 || true
      fi
      if [ $rc = 0 ]; then
        job_s=$(awk -v a="$js" -v b="$je" 'BEGIN{printf "%.1f", b - a}')
        echo "RESULT rsna_job_s $job_s" >>"$out/results.txt"
      else
        job_s="exit $rc"; [ $rc = 124 ] && job_s="> ${left}s"
      fi
      note "  RSNA-scale job: $job_s (wall, mpirun to exit)"
      grep -E "run: done|peak GPU memory|done in|epoch 250/|epoch 100/|AUROC|r_dual" "$out/rsna_job.log" | tail -20 | tee -a "$log"
      [ -f "$out/rsna_job/metrics.json" ] && note "  metrics: $(tr -d '\n' <"$out/rsna_job/metrics.json" | cut -c1-300)"
      # the stage timings and GPU memory per rank the results file keeps
      [ -f "$out/rsna_job/results.h5" ] && "$bin/ddad" info "$out/rsna_job/results.h5" 2>&1 |
        sed -n '/^timings/,$p' | tee -a "$log"
    fi
  fi
fi

# ---- 3c. memory checker: the small job on the GPU, one rank, under compute-sanitizer's
# memcheck (out-of-bounds and misaligned accesses, errors of CUDA calls) ----
san=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ "$quick" = 1 ] || [ -z "$san" ] || [ ! -f "$out/e2e.h5" ]; then
  note "memcheck skipped (--quick, no compute-sanitizer, or no e2e data)"
else
  left=$(seconds_left 60 150)
  if [ "$left" -lt 45 ]; then
    note "memcheck skipped: only ${left}s left"
  else
    note "memcheck: ddad run on configs/ci.yaml, Exp.device cuda, 1 rank, limit ${left}s"
    rm -rf "$out/memcheck"
    timeout "$left" "$san" --tool memcheck --error-exitcode 9 "$bin/ddad" run --config configs/ci.yaml \
      --set "Data.file=$out/e2e.h5" --set "Exp.out_dir=$out/memcheck" --set Exp.device=cuda >"$out/memcheck.log" 2>&1
    rc=$?
    case $rc in 0) status[memcheck]=passed ;; 124) status[memcheck]="TIMEOUT" ;; *) status[memcheck]="FAILED($rc)" ;; esac
    grep -E "ERROR SUMMARY|LEAK SUMMARY|Invalid|run: done" "$out/memcheck.log" | head -12 | tee -a "$log"
  fi
fi

# ---- 4. table ----
get() { awk -v k="$1" '$1 == "RESULT" && $2 == k {print $3}' "$out/results.txt" | tail -1; }
row() {   # label, ours key, torch key, target
  local o t; o=$(get "$2"); t=$(get "$3")
  local sp="-"; [ -z "${nosp:-}" ] && [ -n "$o" ] && [ -n "$t" ] && sp=$(awk -v a="$o" -v b="$t" 'BEGIN{printf "%.1fx", a/b}')
  printf "| %-34s | %12s | %12s | %7s | %10s |\n" "$1" "${o:--}" "${t:--}" "$sp" "$4"
}
{
  echo
  echo "## GPU check $(date -u '+%Y-%m-%d %H:%M UTC'), ${card:-no GPU}, git $(git rev-parse --short=12 HEAD 2>/dev/null)"
  echo "Command: bench/gpu-check.sh $*  (binaries: ${bin#$root/})"
  echo
  echo "| test | result |"
  echo "| --- | --- |"
  for k in gpu.layers gpu.ops gpu.models gpu.conv_gemm gpu.layers_gemm gpu.comm_np2 gpu.comm_np3 e2e.run pipe.data pipe.np2 pipe.gpu_stages memcheck; do echo "| $k | ${status[$k]:-not run} |"; done
  echo
  echo "| workload (img/s unless noted)      |         ddad |      PyTorch | speedup |     target |"
  echo "| ---------------------------------- | -----------: | -----------: | ------: | ---------: |"
  row "AE train step b64, fp32, graph" ae_train_b64_graph_fp32_imgs torch_ae_train_b64_imgs 150000
  row "AE train step b64, fp32, eager" ae_train_b64_eager_fp32_imgs torch_ae_train_b64_imgs 150000
  row "AE train step b64, tf32, graph" ae_train_b64_graph_tf32_imgs torch_ae_train_b64_imgs 150000
  row "refiner step b8 + 6 AE fwd, fp32" refine_step_b8_fp32_imgs torch_refine_step_b8_imgs 10000
  row "refiner step b8 + 6 AE fwd, tf32" refine_step_b8_tf32_imgs torch_refine_step_b8_imgs 10000
  row "  the same, members step by step" refine_step_b8_tf32_per_step_imgs torch_refine_step_b8_imgs -
  row "AE inference b256, fp32" ae_infer_b256_fp32_imgs torch_ae_infer_b256_imgs -
  nosp=1 row "peak allocated MiB (one rank)" peak_alloc_MiB torch_peak_alloc_MiB -
  row "device memory used MiB (one rank)" device_used_MiB - -
  printf "| %-34s | %12s | %12s | %7s | %10s |\n" "RSNA-scale job, 6 ranks, tf32 (s)" "$job_s" "2460 (a)" "-" "60"
  echo
  echo "(a) the reference's 41 minutes without its per-epoch test passes, from docs/GPU.md, 'The public code's timings' (not rerun here)."
  echo "Peak GPU memory per rank of that job: the 'peak GPU memory' lines of rsna_job.log (also in its results.h5, /gpu_memory)."
  echo "Total wall time: $(( $(date +%s) - t0 )) s. Logs: gpu-check.log and one log per step."
} | tee "$out/RESULTS.md"

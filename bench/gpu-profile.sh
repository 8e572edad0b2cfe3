#!/usr/bin/env bash
# Where the GPU time of a training step goes: bench_gpu_step's AE training step (batch 64,
# graph replay) and refiner step (batch 8, member forwards in blocks of 16 steps) under a
# profiler, summed per kernel by bench/gpu/kernel_summary.py, per step. Uses Nsight
# Systems (nsys) where the node has it, else Nsight Compute (ncu: one metric,
# gpu__time_duration, clocks left alone; tens of milliseconds per kernel, so only a few
# steps). Kernel times under ncu exceed a replayed step's (it serialises and flushes
# caches): read the shares, and time steps with bench_gpu_step alone.
# Binaries as bench/gpu-check.sh finds them (build-carry/ or build-node/). About a minute
# per precision with ncu. Output in $OUT (else build-gpuprofile/):
# profile_<workload>_<precision>.txt, .csv and .log.
# Usage: bench/gpu-profile.sh [fp32|tf32 ...]   (default: tf32)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/build-gpuprofile}"
mkdir -p "$out"
precs=("$@"); [ ${#precs[@]} = 0 ] && precs=(tf32)
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
if [ -x build-carry/bin/bench_gpu_step ]; then
  bin=build-carry/bin; export LD_LIBRARY_PATH="$root/build-carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
elif [ -x build-node/gpu-bin/bench_gpu_step ]; then
  bin=build-node/gpu-bin
else
  echo "gpu-profile.sh: no bench_gpu_step in build-carry/bin or build-node/gpu-bin: run bench/gpu-carry.sh" \
       "here or bench/gpu-check.sh on the node first" >&2
  exit 2
fi
py=""
for c in python3 /usr/bin/python3; do command -v "$c" >/dev/null && { py=$c; break; }; done
nsys=$(command -v nsys || true)
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)
[ -n "$nsys$ncu" ] || { echo "gpu-profile.sh: neither nsys nor ncu on this machine" >&2; exit 2; }
# bench_gpu_step runs one extra rep of each workload between cudaProfilerStart and Stop
# before timing it; the profilers record that rep alone: at `20` steps, 4 AE steps, or 16
# refiner steps (one whole block: its prep graph and 16 step graphs). Steps are counted by
# Adam's launches, one a step.
rc=0
for prec in "${precs[@]}"; do
  for w in ae_train refine; do
    base="$out/profile_${w}_${prec}"
    rm -f "$base".* "${base}"_*.csv
    echo "== $w, $prec ($([ -n "$nsys" ] && echo nsys || echo ncu))"
    if [ -n "$nsys" ]; then
      csv="${base}_cuda_gpu_kern_sum.csv"
      timeout 240 "$nsys" profile --trace=cuda --cuda-graph-trace=node --capture-range=cudaProfilerApi \
        --capture-range-end=stop --force-overwrite true --output "$base" \
        "$bin/bench_gpu_step" "$prec" 20 "$w" >"$base.log" 2>&1
      r=$?
      if [ $r = 0 ]; then
        timeout 120 "$nsys" stats --report cuda_gpu_kern_sum --format csv --force-overwrite true \
          --output "$base" "$base.nsys-rep" >>"$base.log" 2>&1
        r=$?
      fi
    else
      csv="$base.csv"
      timeout 240 "$ncu" --clock-control none --metrics gpu__time_duration.sum --csv --profile-from-start off \
        --log-file "$csv" "$bin/bench_gpu_step" "$prec" 20 "$w" >"$base.log" 2>&1
      r=$?
    fi
    grep "^RESULT" "$base.log" | sed 's/$/   (under the profiler)/'
    if [ $r != 0 ] || [ ! -s "$csv" ]; then
      echo "  profiler run failed ($r); tail of $base.log:"; tail -5 "$base.log"; rc=1; continue
    fi
    "$py" bench/gpu/kernel_summary.py "$csv" --step-kernel 'k_adam(' --top 30 >"$base.txt" 2>&1 || rc=1
    cat "$base.txt"
  done
done
exit $rc

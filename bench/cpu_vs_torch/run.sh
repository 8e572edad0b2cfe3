#!/usr/bin/env bash
# ddad's CPU networks vs PyTorch on this machine, same thread count, one run.
# usage: bench/cpu_vs_torch/run.sh [THREADS] [SECONDS_PER_WORKLOAD] [REPEATS]
#   (after ./launch/build.sh). With REPEATS > 1 the two programs alternate REPEATS times
#   and the table shows the median of each column (every repeat is printed first).
#   DDAD_BENCH_CPUTIME=1 measures process CPU time instead of wall-clock time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads="${1:-$(nproc)}"
secs="${2:-5}"
repeats="${3:-1}"
exe="$root/build/bench/bench_cpu_vs_torch"
[ -x "$exe" ] || { echo "run.sh: $exe not built: run ./launch/build.sh first" >&2; exit 1; }
py="${DDAD_PYTHON:-/usr/bin/python3}"
# OpenBLAS's own thread pool busy-waits beside the OpenMP threads of both programs
# (PyTorch on this machine lost up to 60% at 2 threads to it): one BLAS thread for both.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
workloads=(ae_train refine ae_infer)
declare -A cs ts
for ((r = 1; r <= repeats; r++)); do
  c_out="$("$exe" "$threads" "$secs")"
  t_out="$(OMP_NUM_THREADS="$threads" "$py" "$root/bench/cpu_vs_torch/bench_torch.py" "$threads" "$secs")"
  for w in "${workloads[@]}"; do
    cs[$w]+="$(awk -v w="$w" '$1 == w {print $2}' <<<"$c_out") "
    ts[$w]+="$(awk -v w="$w" '$1 == w {print $2}' <<<"$t_out") "
  done
  if ((repeats > 1)); then
    echo "repeat $r: $(for w in "${workloads[@]}"; do printf '%s %s/%s  ' "$w" \
      "$(awk -v w="$w" '$1 == w {print $2}' <<<"$c_out")" "$(awk -v w="$w" '$1 == w {print $2}' <<<"$t_out")"; done)"
  fi
done
median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "threads: $threads   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')$( ((repeats > 1)) && echo "   median of $repeats")"
printf '%-10s %14s %14s %8s\n' workload "ddad img/s" "torch img/s" ratio
for w in "${workloads[@]}"; do
  c="$(median "${cs[$w]}")"
  t="$(median "${ts[$w]}")"
  printf '%-10s %14s %14s %8s\n' "$w" "$c" "$t" "$(awk -v c="$c" -v t="$t" 'BEGIN {printf "%.2f", c / t}')"
done

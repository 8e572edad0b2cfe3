#!/usr/bin/env bash
# ddad's CPU networks vs PyTorch on this machine, same thread count, one run.
# usage: bench/cpu_vs_torch/run.sh [THREADS] [SECONDS_PER_WORKLOAD]   (after ./launch/build.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads="${1:-$(nproc)}"
secs="${2:-5}"
exe="$root/build/bench/bench_cpu_vs_torch"
[ -x "$exe" ] || { echo "run.sh: $exe not built: run ./launch/build.sh first" >&2; exit 1; }
py="${DDAD_PYTHON:-/usr/bin/python3}"
# OpenBLAS's own thread pool busy-waits beside the OpenMP threads of both programs
# (PyTorch on this machine lost up to 60% at 2 threads to it): one BLAS thread for both.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
c_out="$("$exe" "$threads" "$secs")"
t_out="$(OMP_NUM_THREADS="$threads" "$py" "$root/bench/cpu_vs_torch/bench_torch.py" "$threads" "$secs")"
echo "threads: $threads   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-10s %14s %14s %8s\n' workload "ddad img/s" "torch img/s" ratio
for w in ae_train refine ae_infer; do
  c="$(awk -v w="$w" '$1 == w {print $2}' <<<"$c_out")"
  t="$(awk -v w="$w" '$1 == w {print $2}' <<<"$t_out")"
  printf '%-10s %14s %14s %8s\n' "$w" "$c" "$t" "$(awk -v c="$c" -v t="$t" 'BEGIN {printf "%.2f", c / t}')"
done

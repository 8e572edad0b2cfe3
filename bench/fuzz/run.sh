#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/) for SECONDS each (default 600) and prints, per
# harness, the executions and what was found (crashes, leaks, hangs, out-of-memory).
#   bench/fuzz/run.sh [SECONDS] [HARNESS...]      harnesses: config medad image dataset run_files
# Environment: FUZZ_PARALLEL (harnesses at once, default 1), FUZZ_NICE (default 15), FUZZ_HDF5_RAW,
# FUZZ_BUILD (default build-fuzz; configured and built when missing), FUZZ_OUT (default
# FUZZ_BUILD/fuzz-runs/<time>). Each run starts from a copy of tests/fuzz/corpus/<harness>/;
# findings land in FUZZ_OUT/<harness>/ as crash-*, leak-*, timeout-*, oom-*.
# A finding belongs in tests/fuzz/corpus/<harness>/ (with a fix) so that ctest replays it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
secs="${1:-600}"
[ $# -gt 0 ] && shift
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(config medad image dataset run_files)
case "$secs" in ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;; esac
build="${FUZZ_BUILD:-build-fuzz}"
out="${FUZZ_OUT:-$build/fuzz-runs/$(date +%Y%m%d-%H%M%S)}"
par="${FUZZ_PARALLEL:-1}"
nicev="${FUZZ_NICE:-15}"

for h in "${harnesses[@]}"; do
  [ -d "tests/fuzz/corpus/$h" ] || { echo "run.sh: unknown harness '$h' (no tests/fuzz/corpus/$h)" >&2; exit 2; }
done
if [ ! -f "$build/CMakeCache.txt" ]; then
  cc="$(command -v clang-14 || command -v clang || true)"
  [ -n "$cc" ] || { echo "run.sh: clang not found: ./launch/install-deps.sh --fuzz" >&2; exit 1; }
  cmake -S . -B "$build" -DDDAD_FUZZ=ON -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
    { echo "run.sh: configuring $build failed" >&2; exit 1; }
fi
nice -n "$nicev" cmake --build "$build" -j "$(nproc)" >/dev/null || { echo "run.sh: building $build failed" >&2; exit 1; }
mkdir -p "$out"

# The HDF5 harnesses mutate recipes (tests/fuzz/fuzz_h5build.h) and skip raw HDF5 inputs:
# mutated HDF5 bytes mostly reach HDF5's own decoder, which has memory errors on damaged
# files (bench/RESULTS.md, "Fuzzing"). FUZZ_HDF5_RAW=1 fuzzes the raw files too.
export FUZZ_HDF5_RAW="${FUZZ_HDF5_RAW:-0}"
# Leak reports in third-party libraries only; ddad's own leaks always count.
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0"
# Full stacks at malloc time: the suppressions name functions deep inside HDF5, which has no
# frame pointers for the fast unwinder. A damaged HDF5 file can make HDF5 ask for absurd
# sizes (its metadata cache sizes objects from the file); malloc then returns NULL, as it
# does outside the sanitizer, and HDF5 reports an error: allocator_may_return_null=1.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
  local h="$1" dir="$out/$1"
  mkdir -p "$dir/corpus"
  cp "tests/fuzz/corpus/$h"/* "$dir/corpus/"
  # -timeout: an input that takes longer is a hang; -rss_limit_mb: memory in use beyond it
  # is out-of-memory; -malloc_limit_mb: so is a single request beyond it (requested, even if
  # never touched: 8 GiB, above the largest buffer a valid input of these sizes needs).
  nice -n "$nicev" "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=8192 \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1
  echo $? >"$dir/rc"
}

running=0
for h in "${harnesses[@]}"; do
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$par" ]; then wait -n; running=$((running - 1)); fi
done
wait

fail=0
printf '%-10s %12s %8s %6s %6s %6s %5s %7s\n' harness execs exec/s crash leak hang oom corpus
for h in "${harnesses[@]}"; do
  dir="$out/$h"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)"
  count() { find "$dir" -maxdepth 1 -name "$1-*" | wc -l; }
  c=$(count crash); l=$(count leak); t=$(count timeout); o=$(count oom)
  # A sanitizer report or "deadly signal" without an artifact still counts as a crash.
  if [ "$c$l$t$o" = 0000 ] && [ "$(cat "$dir/rc")" != 0 ]; then c=1; fi
  ncorp=$(find "$dir/corpus" -type f | wc -l)
  printf '%-10s %12s %8s %6s %6s %6s %5s %7s\n' "$h" "${execs:-?}" "${rate:-?}" "$c" "$l" "$t" "$o" "$ncorp"
  [ "$c$l$t$o" = 0000 ] || fail=1
done
echo "logs and findings: $out"
exit "$fail"

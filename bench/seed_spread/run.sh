#!/usr/bin/env bash
# The spread of the job's metrics over seeds, on the CPU: the yardstick for "the GPU's
# metrics agree with the CPU's within the spread that different seeds give" (docs/GPU.md).
#   bench/seed_spread/run.sh --config C.yaml --out DIR [--seeds "0 1 2 3"] [--np N]
#                            [--set Section.key=value ...]
# Runs `ddad run` once per seed (Exp.seed), each in DIR/seed-<s>, with mpirun -np N
# (default: Model.members x 2, the one-rank-per-member layout), and prints for every score
# (rec, intra, inter, r_dual) and metric (AUC, AP) each seed's value, the mean and the
# sample standard deviation; the table also goes to DIR/spread.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ddad="${DDAD:-$root/build/ddad}"
py="${DDAD_PYTHON:-/usr/bin/python3}"
die() { echo "seed_spread/run.sh: $*" >&2; exit 2; }
config="" out="" seeds="0 1 2 3" np="" sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --seeds) seeds="${2:?}"; shift 2 ;;
    --np) np="${2:?}"; shift 2 ;;
    --set) sets+=(--set "${2:?}"); shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ -n "$config" ] && [ -n "$out" ] || die "--config and --out are required"
[ -x "$ddad" ] || die "$ddad not built: run ./launch/build.sh first"
if [ -z "$np" ]; then
  k="$("$ddad" config --config "$config" "${sets[@]}" | awk '/^ *members:/ {print $2; exit}')"
  [ -n "$k" ] || die "cannot read Model.members from $config"
  np=$((2 * k))
fi
export OMPI_ALLOW_RUN_AS_ROOT="${OMPI_ALLOW_RUN_AS_ROOT:-1}" OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}"
mkdir -p "$out"
dirs=()
for s in $seeds; do
  d="$out/seed-$s"
  rm -rf "$d"
  echo "seed $s: mpirun -np $np ddad run --config $config --set Exp.seed=$s ${sets[*]} --set Exp.out_dir=$d" >&2
  mpirun --oversubscribe --bind-to none -np "$np" "$ddad" run --config "$config" "${sets[@]}" \
    --set "Exp.seed=$s" --set "Exp.out_dir=$d" --quiet || die "the run with seed $s failed"
  dirs+=("$d")
done
"$py" - "${dirs[@]}" <<'PY' | tee "$out/spread.txt"
import json, statistics, sys
runs = [(d.rsplit("seed-", 1)[1], json.load(open(d + "/metrics.json"))) for d in sys.argv[1:]]
print("%-7s %-4s %s %9s %9s" % ("score", "", " ".join("%8s" % ("s=" + s) for s, _ in runs), "mean", "sd"))
for score in ("rec", "intra", "inter", "r_dual"):
    for metric in ("auc", "ap"):
        v = [m[score][metric] for _, m in runs]
        sd = statistics.stdev(v) if len(v) > 1 else float("nan")
        print("%-7s %-4s %s %9.4f %9.4f" % (score, metric, " ".join("%8.4f" % x for x in v), statistics.mean(v), sd))
PY

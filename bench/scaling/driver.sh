#!/usr/bin/env bash
# Runs a scaling study of `ddad run` and tabulates its per-rank, per-phase times.
#   bench/scaling/driver.sh --config C.yaml --out DIR [options] [--set Section.key=value ...]
# Options:
#   --study S       strong, weak-members, weak-data, or a comma list (default strong)
#                     strong        fixed K and data; the ranks vary
#                     weak-members  K = members x ranks (the member work per rank is fixed)
#                     weak-data     D_n = normal x ranks (the refiner's data per rank is fixed)
#   --ranks "1 2 4" rank counts (default "1 2 4"); a count above 2K is skipped with a note
#   --members K     K for strong and weak-data; K per rank for weak-members, so 2K/N members
#                   per rank (default: the config's); ddad needs K >= 2
#   --normal N      known-normal training images of the synthetic dataset (default 64); the
#                   other sizes come from `ddad synth --preset ci`
#   --data FILE     use this dataset instead of synthesising one (strong, weak-members only)
#   --launcher L    srun (inside a Slurm allocation: srun --mpi=pmix) or mpirun (default:
#                   srun when SLURM_JOB_ID is set, else mpirun --oversubscribe)
#   --repeat R      runs per point (default 1); the table keeps every repeat
#   --no-plot       only the table
# Writes DIR/runs.csv (one line per run), DIR/scaling.csv (per run, stage, rank and phase:
# seconds, read from each run's results.h5 /timings), and DIR/plots/*.png through
# analysis/scaling.py. Each run's directory is DIR/runs/<study>-r<ranks>-k<K>-n<normal>[-<repeat>].
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ddad="${DDAD:-$root/build/ddad}"
py="${DDAD_PYTHON:-/usr/bin/python3}"

die() { echo "driver.sh: $*" >&2; exit 2; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

config="" out="" studies="strong" ranks="1 2 4" members="" normal=64 data="" launcher="" repeat=1 plot=1
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="${2:?--config needs a file}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --study) studies="${2:?--study needs a name}"; shift 2 ;;
    --ranks) ranks="${2:?--ranks needs a list}"; shift 2 ;;
    --members) members="${2:?--members needs a number}"; shift 2 ;;
    --normal) normal="${2:?--normal needs a number}"; shift 2 ;;
    --data) data="${2:?--data needs a file}"; shift 2 ;;
    --launcher) launcher="${2:?--launcher needs srun or mpirun}"; shift 2 ;;
    --repeat) repeat="${2:?--repeat needs a number}"; shift 2 ;;
    --no-plot) plot=0; shift ;;
    --set) sets+=(--set "${2:?--set needs Section.key=value}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$config" ] && [ -n "$out" ] || { usage >&2; exit 2; }
[ -f "$config" ] || die "config file '$config' not found"
[ -x "$ddad" ] || die "no ddad executable at '$ddad': build it (launch/build.sh) or set DDAD"
isnum() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
for r in $ranks; do isnum "$r" || die "--ranks: '$r' is not a positive integer"; done
for n in "$normal" "$repeat"; do isnum "$n" || die "'$n' is not a positive integer"; done
[ -z "$members" ] || isnum "$members" || die "--members: '$members' is not a positive integer"
if [ -z "$launcher" ]; then
  if [ -n "${SLURM_JOB_ID:-}" ]; then launcher=srun; else launcher=mpirun; fi
fi
case "$launcher" in srun|mpirun) ;; *) die "--launcher must be srun or mpirun" ;; esac

# K of the configuration, when --members is not given.
effective="$("$ddad" config --config "$config" "${sets[@]}")" || die "the configuration '$config' is not valid (message above)"
k_config="$(printf '%s\n' "$effective" | awk '/^Ensemble:/{e=1;next} /^[^ #]/{e=0} e&&$1=="members:"{print $2;exit}')"
isnum "$k_config" || die "cannot read Ensemble.members from '$config'"
members="${members:-$k_config}"

mkdir -p "$out/runs" "$out/data" "$out/logs"
out="$(cd "$out" && pwd)"
runs_csv="$out/runs.csv"
echo "study,ranks,members,normal,repeat,wall_s,status,run_dir" >"$runs_csv"

dataset_for() {   # dataset_for NORMAL: prints the path of a synthetic set with NORMAL images
  local n="$1" f="$out/data/synth-n$1.h5"
  if [ -n "$data" ]; then echo "$data"; return; fi
  if [ ! -f "$f" ]; then
    "$ddad" synth --preset ci --normal "$n" --out "$f" >"$out/logs/synth-n$n.log" 2>&1 ||
      { cat "$out/logs/synth-n$n.log" >&2; die "ddad synth --normal $n failed"; }
  fi
  echo "$f"
}

launch() {   # launch N: the launcher's argument vector for N ranks
  if [ "$launcher" = srun ]; then
    echo srun --mpi=pmix --ntasks="$1"
  else
    echo mpirun -np "$1" --oversubscribe --bind-to none
  fi
}

failures=0
run_case() {   # run_case STUDY RANKS K NORMAL
  local study="$1" r="$2" k="$3" n="$4" rep tag dir file t0 t1 rc status
  [ "$k" -ge 2 ] || die "$study: K = $k for $r rank(s), but ddad needs Ensemble.members >= 2: raise --members"
  if [ "$r" -gt "$((2 * k))" ]; then
    echo "driver.sh: $study: skipping $r ranks: more than 2K = $((2 * k)) members"
    return
  fi
  file="$(dataset_for "$n")"
  for rep in $(seq 1 "$repeat"); do
    tag="$study-r$r-k$k-n$n"; [ "$repeat" -gt 1 ] && tag="$tag-$rep"
    dir="$out/runs/$tag"
    rm -rf "$dir"
    # shellcheck disable=SC2046
    set -- $(launch "$r") "$ddad" run --config "$config" "${sets[@]}" --set "Exp.out_dir=$dir" \
      --set "Ensemble.members=$k" --set "Data.file=$file"
    echo "driver.sh: $tag: $*"
    t0="$(date +%s.%N)"
    rc=0
    "$@" >"$out/logs/$tag.log" 2>&1 || rc=$?
    t1="$(date +%s.%N)"
    status=ok
    if [ "$rc" != 0 ] || [ ! -f "$dir/results.h5" ]; then
      status="failed($rc)"
      failures=$((failures + 1))
      echo "driver.sh: $tag failed (exit $rc); last lines of $out/logs/$tag.log:" >&2
      tail -n 15 "$out/logs/$tag.log" >&2
    fi
    printf '%s,%s,%s,%s,%s,%.3f,%s,%s\n' "$study" "$r" "$k" "$n" "$rep" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" "$status" "$dir" >>"$runs_csv"
  done
}

IFS=, read -r -a study_list <<<"$studies"
for study in "${study_list[@]}"; do
  for r in $ranks; do
    case "$study" in
      strong) run_case strong "$r" "$members" "$normal" ;;
      weak-members) run_case weak-members "$r" "$((members * r))" "$normal" ;;
      weak-data)
        [ -z "$data" ] || die "weak-data synthesises its datasets; drop --data"
        run_case weak-data "$r" "$members" "$((normal * r))" ;;
      *) die "unknown study '$study' (strong, weak-members, weak-data)" ;;
    esac
  done
done

"$py" "$root/analysis/scaling.py" table "$runs_csv" --out "$out/scaling.csv" ||
  die "tabulating the timings failed"
if [ "$plot" = 1 ]; then
  "$py" "$root/analysis/scaling.py" plot "$out/scaling.csv" --out "$out/plots" || die "plotting failed"
fi
if [ "$failures" -gt 0 ]; then
  echo "driver.sh: $failures run(s) failed; see $runs_csv and $out/logs" >&2
  exit 1
fi
if [ "$plot" = 1 ]; then
  echo "driver.sh: table $out/scaling.csv, plots in $out/plots"
else
  echo "driver.sh: table $out/scaling.csv"
fi

#!/usr/bin/env bash
# Submits the DDAD stages as a chain of Slurm jobs, each starting only when the one before
# has succeeded (--dependency=afterok):
#   members (2K tasks) -> score -> refine -> eval
#   slurm/ddad-chain.sh [chain options] CONFIG.yaml [--set Section.key=value ...]
# Chain options:
#   --tasks STAGE=N[,STAGE=N...]   tasks per stage (default: the ntasks of slurm/ddad.sbatch
#                                  for every stage; e.g. --tasks members=6,score=6,refine=4,eval=1)
#   --sbatch "OPTIONS"             extra sbatch options for every job (account, partition, ...)
#   --stage-sbatch STAGE="OPTIONS" extra sbatch options for one stage (e.g. members="--gpus-per-task=1")
# Each job runs slurm/ddad.sbatch with `--stage STAGE`, so all stages share Exp.out_dir and
# every stage after the first starts from the run directory the one before left. A failed
# stage cancels the rest of the chain (--kill-on-invalid-dep=yes).
# Prints one line per job, "STAGE JOBID", in order; the last job's id is the chain's.
# Members run as one multi-task job: `ddad run --stage members` trains all 2K members of a
# run (round-robin over its ranks), so a site wanting many small GPU jobs gives this stage
# more tasks, not more jobs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stages=(members score refine eval)

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "ddad-chain.sh: $*" >&2; exit 2; }

declare -A tasks=() extra=()
common=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks)
      [ $# -ge 2 ] || die "--tasks needs STAGE=N[,STAGE=N...]"
      IFS=, read -r -a pairs <<<"$2"
      for p in "${pairs[@]}"; do
        s="${p%%=*}"; n="${p#*=}"
        [[ " ${stages[*]} " == *" $s "* ]] || die "--tasks: unknown stage '$s' (stages: ${stages[*]})"
        [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--tasks: '$p' needs a positive task count"
        tasks[$s]="$n"
      done
      shift 2 ;;
    --sbatch) [ $# -ge 2 ] || die "--sbatch needs a quoted option string"; common="$2"; shift 2 ;;
    --stage-sbatch)
      [ $# -ge 2 ] || die "--stage-sbatch needs STAGE=\"OPTIONS\""
      s="${2%%=*}"
      [[ " ${stages[*]} " == *" $s "* ]] || die "--stage-sbatch: unknown stage '$s' (stages: ${stages[*]})"
      extra[$s]="${2#*=}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
config="$1"; shift
[ -f "$config" ] || die "config file '$config' not found"
for a in "$@"; do
  case "$a" in --stage|--stage=*) die "the chain sets --stage itself; do not pass it" ;; esac
done
command -v sbatch >/dev/null 2>&1 || die "sbatch not found: run this on a Slurm login node"

prev=""
submitted=()
for s in "${stages[@]}"; do
  opts=(--parsable --job-name="ddad-$s" --kill-on-invalid-dep=yes)
  [ -n "${tasks[$s]:-}" ] && opts+=(--ntasks="${tasks[$s]}")
  [ -n "$prev" ] && opts+=(--dependency="afterok:$prev")
  # shellcheck disable=SC2206
  [ -n "$common" ] && opts+=($common)
  # shellcheck disable=SC2206
  [ -n "${extra[$s]:-}" ] && opts+=(${extra[$s]})
  if ! id="$(sbatch "${opts[@]}" "$here/ddad.sbatch" "$config" "$@" --stage "$s")"; then
    echo "ddad-chain.sh: sbatch refused the $s stage" >&2
    if [ ${#submitted[@]} -gt 0 ]; then
      echo "ddad-chain.sh: cancelling the stages already submitted: ${submitted[*]}" >&2
      scancel "${submitted[@]}" || true
    fi
    exit 1
  fi
  id="${id%%;*}"
  echo "$s $id"
  submitted+=("$id")
  prev="$id"
done

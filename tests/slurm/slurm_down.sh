#!/usr/bin/env bash
# Stops the private Slurm that tests/slurm/slurm_up.sh started and removes its directory.
#   tests/slurm/slurm_down.sh STATE_FILE
# Only the daemons named in that run's pid files are stopped; nothing is matched by name.
# Set DDAD_KEEP_SLURM=1 to keep the directory (logs, state) for inspection.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: slurm_down.sh STATE_FILE" >&2; exit 2; }
state_file="$1"
if [ ! -f "$state_file" ]; then
  echo "slurm_down.sh: no $state_file: nothing to stop"
  exit 0
fi
# shellcheck disable=SC1090
. "$state_file"
dir="${DDAD_SLURM_DIR:-}"
case "$dir" in
  */ddad-slurm.*) ;;
  *) echo "slurm_down.sh: $state_file names no test Slurm directory ('$dir')" >&2; exit 1 ;;
esac

# Cancel whatever jobs are left so their processes end with the daemons.
if [ -f "$dir/run/slurmctld.pid" ]; then
  SLURM_CONF="$dir/etc/slurm.conf" timeout 10 scancel --quiet --partition=debug 2>/dev/null || true
fi

# daemon_pid FILE NAME: the pid in FILE if that process is still the daemon NAME we started.
daemon_pid() {
  local pid
  [ -f "$1" ] || return 0
  pid="$(cat "$1" 2>/dev/null)"
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$2" ] && echo "$pid"
  return 0
}
pids=()
for d in "run/slurmd.pid slurmd" "run/slurmctld.pid slurmctld" "munge/munged.pid munged"; do
  set -- $d
  pid="$(daemon_pid "$dir/$1" "$2")"
  [ -n "$pid" ] && pids+=("$pid")
done
# TERM them together, wait up to 10 s, then KILL what is left.
if [ ${#pids[@]} -gt 0 ]; then
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
fi

if [ "${DDAD_KEEP_SLURM:-0}" = 1 ]; then
  echo "slurm_down.sh: stopped; kept $dir"
else
  rm -rf "$dir"
  echo "slurm_down.sh: stopped and removed $dir"
fi
rm -f "$state_file"

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

stop_pidfile() {   # stop_pidfile FILE NAME: TERM, wait up to 10 s, then KILL
  local f="$1" name="$2" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null)"
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  # Only signal it if it is still the daemon we started.
  if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  return 0
}
stop_pidfile "$dir/run/slurmd.pid" slurmd
stop_pidfile "$dir/run/slurmctld.pid" slurmctld
stop_pidfile "$dir/munge/munged.pid" munged

if [ "${DDAD_KEEP_SLURM:-0}" = 1 ]; then
  echo "slurm_down.sh: stopped; kept $dir"
else
  rm -rf "$dir"
  echo "slurm_down.sh: stopped and removed $dir"
fi
rm -f "$state_file"

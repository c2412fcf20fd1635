#!/usr/bin/env bash
# Stop the single-node test Slurm started by start-slurm.sh.
# Kills slurmd and slurmctld by their pid files (never by name).
#   --munge   also stop munged
#   --purge   also wipe the controller state (jobs, job ids) so the next
#             start begins from job id 1
set -euo pipefail

stop_munge=0
purge=0
for arg in "$@"; do
  case "$arg" in
    --munge) stop_munge=1 ;;
    --purge) purge=1 ;;
    *) echo "usage: $0 [--munge] [--purge]" >&2; exit 2 ;;
  esac
done

stop_pidfile() {
  local name="$1" pf="$2" pid i
  [[ -s "$pf" ]] || return 0
  pid="$(cat "$pf")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    echo "slurm: stopping $name (pid $pid)" >&2
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pf"
}

stop_pidfile slurmd /var/spool/slurmd/slurmd.pid
stop_pidfile slurmctld /var/spool/slurmctld/slurmctld.pid
if [[ "$purge" -eq 1 ]]; then
  rm -rf /var/spool/slurmctld/* /var/spool/slurmd/*
fi
if [[ "$stop_munge" -eq 1 ]]; then
  stop_pidfile munged /run/munge/munged.pid
fi

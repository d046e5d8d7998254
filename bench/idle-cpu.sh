#!/usr/bin/env bash
# What an idle `campaignd run` costs on a big data directory: its CPU per second (user + system from
# /proc/PID/stat) over SECONDS_PER_SCENARIO, with nothing to dial.
#
# The data directory for each size: the one bench/console-poll.sh uses (lib.sh write_finished_data:
# three active campaigns, every contact with one finished attempt), its CDR lines counted as written
# (bench/idle_cpu.py cdrs-written: the daemon would otherwise spend its first minutes writing them).
# Three scenarios on it, each a fresh start of the daemon, measured after WARMUP seconds:
#   finished   every contact is done
#   retry      1,000 contacts wait for a retry due in an hour
#   deferred   1,000 contacts are pending, deferred a day (a closed calling window)
# BEFORE_BIN=path/to/older/campaignd runs the same scenarios on a copy of the same data first (the
# data is then imported by that build, so a newer schema's migrations run at the other's start).
#
# Usage: bench/idle-cpu.sh [CONTACTS...]   (default 200000 1000000; SECONDS_PER_SCENARIO=20, WARMUP=5)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(200000 1000000)
MEASURE_SECONDS=${SECONDS_PER_SCENARIO:-20}
WARMUP=${WARMUP:-5}
source bench/lib.sh
bench_start idle-cpu
KEY=bench-idle-secret-0123456789
AFTER_BIN=$BIN

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)"
for size in "${SIZES[@]}"; do
  base=$PWD/$OUT/$size
  api_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BIN=${BEFORE_BIN:-$AFTER_BIN}
  write_finished_data "$base/data" "$size" "$api_port" "$KEY" >"$base.prepare.out"
  BIN=$AFTER_BIN
  python3 bench/idle_cpu.py cdrs-written "$base/data/var/campaignd.db"
  echo "$size finished contacts: database $(du -sh "$base/data/var/campaignd.db" | cut -f1)"
  for pair in ${BEFORE_BIN:+"before:$BEFORE_BIN"} "after:$AFTER_BIN"; do
    label=${pair%%:*}; bin=${pair#*:}
    dir=$base/$label
    cp -r "$base/data" "$dir"
    sed "s|$base/data|$dir|g" "$base/data/campaignd.json" > "$dir/campaignd.json"
    for scenario in finished retry deferred; do
      python3 bench/idle_cpu.py scenario "$dir/var/campaignd.db" "$scenario" >"$dir/$scenario.scenario"
      "$bin" --config "$dir/campaignd.json" run >"$dir/$scenario.out" 2>"$dir/$scenario.log" &
      daemon=$!
      pids+=($daemon)
      wait_for "grep -q 'HTTP API listening' '$dir/$scenario.log'" 120 "the API"
      sleep "$WARMUP"
      printf '  %-6s %-9s %s\n' "$label" "$scenario" "$(python3 bench/idle_cpu.py measure "$daemon" "$MEASURE_SECONDS")"
      kill -TERM "$daemon"
      wait "$daemon" || true
      # Nothing was dialed: every scenario leaves the contacts as it found them.
      if grep -q 'dialing campaign=' "$dir/$scenario.log"; then echo "the daemon dialed in scenario $scenario (see $dir/$scenario.log)" >&2; exit 1; fi
    done
  done
done

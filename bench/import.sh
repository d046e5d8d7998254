#!/usr/bin/env bash
# Import benchmark: times `campaignd import` of a generated CSV against the sqlite3 shell's own
# `.import` of the same file into a plain table, in the same run (issue: within 2x of sqlite3).
#
# Usage: bench/import.sh [ROWS]   (default 1000000). Prints one result line per tool and the ratio;
#        BEFORE_BIN=path/to/older/campaignd also times that build in each pair.
#        bench/import.sh dialing [ROWS] [RATE]: dispatcher stalls while a big file is imported (below).
#        bench/import.sh memory [ROWS]   (default 16000000): peak memory (max RSS) and time of
#        `campaignd validate` and `campaignd import` of a targets-only CSV of ROWS distinct numbers in
#        shuffled order (16,000,000 rows: 208 MB), against sqlite3's `.import` of the same file, and how
#        long a claim-like writer (bench/import_stall.py, 50 lock takes a second) waits for the lock
#        during the import. BEFORE_BIN=path/to/older/campaignd measures that build the same way too.
#        ORDER=sorted: the same numbers in ascending order instead (a file of its own). The prober waits
#        with SQLite's busy handler as campaignd does; STALL_EVERY_MS=1 makes it retry every millisecond.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
if [ "${1:-}" = dialing ]; then
  # bench/import.sh dialing [ROWS] [RATE]: `campaignd run` dialing a campaign at RATE calls/s
  # (default 50) against a SIPp callee while the shuffled ROWS-row file (default 4,000,000, made by
  # the memory mode) is dropped into campaigns/; from the CDRs, the calls started during the import
  # and the longest gap between two call starts, during the import and in the 5 s before it.
  # BEFORE_BIN= runs an older build the same way right after.
  ROWS=${2:-4000000}
  RATE=${3:-50}
  source bench/lib.sh
  bench_start import-dialing
  CSV=bench/out/targets-$ROWS.csv
  [ -s "$CSV" ] || { echo "run bench/import.sh memory $ROWS first (it generates $CSV)" >&2; exit 1; }
  PORT=5094
  echo "file: $CSV, $(stat -L -c %s "$CSV") bytes; dialing at $RATE calls/s; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for pair in "after:$BIN" ${BEFORE_BIN:+"before:$BEFORE_BIN"}; do
    label=${pair%%:*}; bin=${pair#*:}
    dir=$OUT/$label
    # Enough contacts to dial through the whole import (a minute or so here).
    write_dial_campaign "$dir" $((RATE * 120)) "$RATE" "$PORT"
    sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin > "$dir/uas.log" 2>&1 &
    callee=$!; pids+=($callee)
    "$bin" --config "$dir/campaignd.json" run > "$dir/run.out" 2> "$dir/run.log" &
    daemon=$!; pids+=($daemon)
    # Dialing for 5 s before the drop.
    until [ -n "$(cat "$dir"/var/cdr/* 2>/dev/null | head -1)" ]; do sleep 0.2; done
    sleep 5
    cp "$CSV" "$dir/big.csv" && mv "$dir/big.csv" "$dir/campaigns/big.csv"
    until grep -q "campaign file imported file=big.csv" "$dir/run.log"; do
      kill -0 $daemon 2>/dev/null || { tail "$dir/run.log" >&2; exit 1; }
      sleep 0.5
    done
    kill -TERM $daemon; wait $daemon || true
    kill $callee 2>/dev/null || true; wait $callee 2>/dev/null || true
    python3 - "$dir" "$label" "$RATE" <<'PY'
import glob, json, sys
from datetime import datetime
directory, label, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
def ms(text): return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
log = open(f"{directory}/run.log").read().splitlines()
began = ms(next(l for l in log if "campaign file importing file=big.csv" in l).split()[0])
ended = ms(next(l for l in log if "campaign file imported file=big.csv" in l).split()[0])
starts = sorted(ms(r["startTime"]) for f in glob.glob(f"{directory}/var/cdr/*")
                for r in map(json.loads, open(f)) if r["campaignId"] == "bench")
def gaps(lo, hi):
    inside = [t for t in starts if lo <= t <= hi]
    return inside, max((b - a for a, b in zip(inside, inside[1:])), default=0.0)
during, gap_during = gaps(began, ended)
before, gap_before = gaps(began - 5, began)
print(f"  {label}: import {ended - began:.1f} s; calls started during it {len(during)} "
      f"({len(during) / (ended - began):.1f}/s of {rate:g}); longest gap between call starts "
      f"during {gap_during * 1000:.0f} ms, in the 5 s before {gap_before * 1000:.0f} ms")
PY
  done
  exit 0
fi
if [ "${1:-}" = memory ]; then
  ROWS=${2:-16000000}
  OUT=bench/out
  mkdir -p "$OUT"
  ORDER=${ORDER:-shuffled}
  CSV="$OUT/targets-$ROWS.csv"
  if [ "$ORDER" = sorted ]; then CSV="$OUT/targets-$ROWS-sorted.csv"; fi
  if [ ! -s "$CSV" ]; then
    echo "generating $ROWS rows ($ORDER) into $CSV" >&2
    python3 - "$ROWS" "$CSV" "$ORDER" <<'PY'
import sys
rows, path, order = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# A permutation of 0..rows-1 (multiplier coprime with rows): distinct numbers, in no useful order.
step = 7_919_993
while any(rows % p == 0 and step % p == 0 for p in range(2, 100)):
    step += 2
with open(path, "w") as f:
    f.write("target\n")
    for start in range(0, rows, 100_000):
        f.write("".join(f"+1{2000000000 + (i if order == 'sorted' else (i * step) % rows):010d}\n"
                        for i in range(start, min(rows, start + 100_000))))
PY
  fi
  swift build -c release --product campaignd >&2
  BIN=$(swift build -c release --show-bin-path)/campaignd
  CONFIG="$OUT/bench-config.json"
  printf '{"defaults": {"defaultCountryCode": "1"}}\n' > "$CONFIG"
  echo "file: $CSV ($ORDER), $(stat -c %s "$CSV") bytes, $ROWS rows; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  run() {  # label, command...: wall seconds, CPU seconds (user + system) and max RSS
    local label=$1; shift
    /usr/bin/time -v "$@" > "$OUT/run.out" 2> "$OUT/run.time" || { cat "$OUT/run.out" "$OUT/run.time" >&2; return 1; }
    local rss wall cpu
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/run.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/run.time")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u + s}' "$OUT/run.time")
    printf '%-34s wall %8s  CPU %7s s  max RSS %5d MB   %s\n' "$label" "$wall" "$cpu" $((rss / 1024)) "$(head -c 160 "$OUT/run.out" | tr '\n' ' ')"
  }
  rm -f "$OUT/sqlite-mem.db"*
  run "sqlite3 .import (reference)" sqlite3 "$OUT/sqlite-mem.db" "PRAGMA journal_mode=WAL;" ".import --csv $CSV contacts"
  for pair in "after:$BIN" ${BEFORE_BIN:+"before:$BEFORE_BIN"}; do
    label=${pair%%:*}; bin=${pair#*:}
    run "campaignd validate ($label)" "$bin" --config "$CONFIG" validate "$CSV"
    rm -rf "$OUT/var-mem" "$OUT/stall.stop"; mkdir -p "$OUT/var-mem"
    # A first small campaign creates the database, so the lock prober can open it before the import.
    printf 'target\n+15550000001\n' > "$OUT/first.csv"
    "$bin" --config "$CONFIG" --data "$OUT/var-mem" import "$OUT/first.csv" > /dev/null
    python3 bench/import_stall.py "$OUT/var-mem/campaignd.db" "$OUT/stall.stop" 50 ${STALL_EVERY_MS:+--retry-every-ms} > "$OUT/stall.txt" &
    prober=$!
    sleep 1
    run "campaignd import ($label)" "$bin" --config "$CONFIG" --data "$OUT/var-mem" import "$CSV"
    touch "$OUT/stall.stop"; wait $prober
    echo "  writer beside the import ($label): $(cat "$OUT/stall.txt")"
    echo "  contacts in the queue: $(sqlite3 "$OUT/var-mem/campaignd.db" 'SELECT COUNT(*) FROM contacts')"
  done
  exit 0
fi
ROWS=${1:-1000000}
OUT=bench/out
mkdir -p "$OUT"
CSV="$OUT/import-$ROWS.csv"

if [ ! -s "$CSV" ]; then
  echo "generating $ROWS rows into $CSV" >&2
  python3 - "$ROWS" "$CSV" <<'PY'
import sys, random
rows, path = int(sys.argv[1]), sys.argv[2]
zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", ""]
rnd = random.Random(42)
with open(path, "w", newline="") as f:
    f.write("target,first_name,last_name,account,timezone\n")
    for i in range(rows):
        # Mixed formats as operators export them: E.164, national with separators, dotted.
        n = 2000000000 + i * 7 % 8000000000
        s = str(n)
        style = i % 3
        target = "+1" + s if style == 0 else (f"({s[0:3]}) {s[3:6]}-{s[6:]}" if style == 1 else f"{s[0:3]}.{s[3:6]}.{s[6:]}")
        first = rnd.choice(["Ann", "Bob", "Cleo", "Dev", "Eve", "Fay"])
        last = rnd.choice(["Smith", "Jones, Jr.", "O'Neil", "Garcia"])
        last = f'"{last}"' if "," in last else last
        f.write(f"{target},{first},{last},A-{i:07d},{zones[i % 5]}\n")
PY
fi

swift build -c release --product campaignd >&2
BIN=$(swift build -c release --show-bin-path)/campaignd
CONFIG="$OUT/bench-config.json"
printf '{"defaults": {"defaultCountryCode": "1"}}\n' > "$CONFIG"

measure() {  # prints "seconds max_rss_kb"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$OUT/rss" "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) $(cat "$OUT/rss")"
}

# Paired runs, alternating the two tools so both see the same machine load; the machine is
# shared, so we report the best of each and the median of the per-pair ratios.
# BEFORE_BIN=path/to/older/campaignd: each pair also imports with that build (into its own data
# directory), and its best and median paired ratio are printed too.
runs=${RUNS:-5}
best_sqlite=999999; best_campaignd=999999; rss_campaignd=0; rss_sqlite=0
best_before=999999
ratios=()
before_ratios=()
for run in $(seq 1 $runs); do
  rm -rf "$OUT/sqlite.db"* "$OUT/var" "$OUT/var-before"
  read -r ts rss < <(measure sqlite3 "$OUT/sqlite.db" "PRAGMA journal_mode=WAL;" ".import --csv $CSV contacts")
  echo "run $run sqlite3 .import: ${ts}s rss=${rss}KB" >&2
  if (( $(echo "$ts < $best_sqlite" | bc -l) )); then best_sqlite=$ts; rss_sqlite=$rss; fi
  read -r tc rss < <(measure "$BIN" --config "$CONFIG" --data "$OUT/var" import "$CSV")
  echo "run $run campaignd import: ${tc}s rss=${rss}KB" >&2
  if (( $(echo "$tc < $best_campaignd" | bc -l) )); then best_campaignd=$tc; rss_campaignd=$rss; fi
  ratios+=("$(echo "$tc / $ts" | bc -l)")
  if [ -n "${BEFORE_BIN:-}" ]; then
    read -r tb rss < <(measure "$BEFORE_BIN" --config "$CONFIG" --data "$OUT/var-before" import "$CSV")
    echo "run $run campaignd import (before, $BEFORE_BIN): ${tb}s rss=${rss}KB" >&2
    if (( $(echo "$tb < $best_before" | bc -l) )); then best_before=$tb; fi
    before_ratios+=("$(echo "$tb / $ts" | bc -l)")
  fi
done
rows_in_db=$(sqlite3 "$OUT/var/campaignd.db" "SELECT COUNT(*) FROM contacts")
ratio=$(echo "$best_campaignd / $best_sqlite" | bc -l)
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'rows=%s imported=%s\n' "$ROWS" "$rows_in_db"
printf 'sqlite3 .import   best of %d: %.2f s  (max RSS %d MB)\n' $runs "$best_sqlite" $((rss_sqlite / 1024))
printf 'campaignd import  best of %d: %.2f s  (max RSS %d MB)\n' $runs "$best_campaignd" $((rss_campaignd / 1024))
printf 'ratio of bests: %.2f; median of paired ratios: %.2f (target <= 2.0)\n' "$ratio" "$median"
if [ -n "${BEFORE_BIN:-}" ]; then
  median_before=$(printf '%s\n' "${before_ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  printf 'before (%s) best of %d: %.2f s; ratio of bests %.2f; median of paired ratios: %.2f\n' "$BEFORE_BIN" $runs "$best_before" \
    "$(echo "$best_before / $best_sqlite" | bc -l)" "$median_before"
fi

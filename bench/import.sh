#!/usr/bin/env bash
# Import benchmark: times `campaignd import` of a generated CSV against the sqlite3 shell's own
# `.import` of the same file into a plain table, in the same run (issue: within 2x of sqlite3).
#
# Usage: bench/import.sh [ROWS]   (default 1000000). Prints one result line per tool and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
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
runs=${RUNS:-5}
best_sqlite=999999; best_campaignd=999999; rss_campaignd=0; rss_sqlite=0
ratios=()
for run in $(seq 1 $runs); do
  rm -rf "$OUT/sqlite.db"* "$OUT/var"
  read -r ts rss < <(measure sqlite3 "$OUT/sqlite.db" "PRAGMA journal_mode=WAL;" ".import --csv $CSV contacts")
  echo "run $run sqlite3 .import: ${ts}s rss=${rss}KB" >&2
  if (( $(echo "$ts < $best_sqlite" | bc -l) )); then best_sqlite=$ts; rss_sqlite=$rss; fi
  read -r tc rss < <(measure "$BIN" --config "$CONFIG" --data "$OUT/var" import "$CSV")
  echo "run $run campaignd import: ${tc}s rss=${rss}KB" >&2
  if (( $(echo "$tc < $best_campaignd" | bc -l) )); then best_campaignd=$tc; rss_campaignd=$rss; fi
  ratios+=("$(echo "$tc / $ts" | bc -l)")
done
rows_in_db=$(sqlite3 "$OUT/var/campaignd.db" "SELECT COUNT(*) FROM contacts")
ratio=$(echo "$best_campaignd / $best_sqlite" | bc -l)
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'rows=%s imported=%s\n' "$ROWS" "$rows_in_db"
printf 'sqlite3 .import   best of %d: %.2f s  (max RSS %d MB)\n' $runs "$best_sqlite" $((rss_sqlite / 1024))
printf 'campaignd import  best of %d: %.2f s  (max RSS %d MB)\n' $runs "$best_campaignd" $((rss_campaignd / 1024))
printf 'ratio of bests: %.2f; median of paired ratios: %.2f (target <= 2.0)\n' "$ratio" "$median"

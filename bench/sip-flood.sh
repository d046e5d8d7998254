#!/usr/bin/env bash
# SIP input cost (issue 14): the worst datagrams we can build (bench/sip_flood.py: 64 KB of folded
# lines, as many tiny headers as fit, a Via of ~32,000 list items, a To of ~32,000 parameters, and
# the most that passes every limit), COUNT
# of each, sent to an idle `campaignd run` (release, no contacts) on 127.0.0.1, from a stranger
# (127.0.0.2) and from the trunk (127.0.0.1). Prints the daemon's CPU per flood datagram (all its
# threads, from /proc), less the cost of the 481 probe that paces every datagram (measured alone).
#
# Usage: bench/sip-flood.sh [COUNT] [RUNS]   (default 1000 3; the median of the runs is printed, each
# run listed). BIN=path/to/campaignd measures another build
# (e.g. the commit before, built with --scratch-path). Traffic stays on 127.0.0.x.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000}
RUNS=${2:-3}
source bench/lib.sh
if [ -n "${BIN:-}" ]; then
  OUT=bench/out/sip-flood
  rm -rf "$OUT" && mkdir -p "$OUT"
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
else
  bench_start sip-flood
fi
PORT=5096

mkdir -p "$OUT/campaigns"
cat > "$OUT/campaignd.json" <<JSON
{"campaignsDir": "$PWD/$OUT/campaigns", "dataDir": "$PWD/$OUT/var",
 "trunks": [{"name": "trunk", "host": "127.0.0.1", "port": 5097}],
 "sip": {"bindAddress": "127.0.0.1", "port": $PORT},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "window": {"start": "00:00", "end": "24:00"}}}
JSON
"$BIN" --config "$OUT/campaignd.json" run >"$OUT/run.out" 2>"$OUT/run.log" &
daemon=$!
pids+=($daemon)

echo "$BIN, $COUNT datagrams of each kind from each source, median of $RUNS runs, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
: > "$OUT/results.txt"
for run in $(seq 1 "$RUNS"); do
  for kind in folded headers crheaders list params maxed; do
    for source in 127.0.0.2 127.0.0.1; do
      # The probes' own cost, measured just before, is taken off (other work on the machine varies).
      read -r _ _ _ _ probe_ns _ < <(python3 bench/sip_flood.py "$daemon" $PORT probe 127.0.0.1 "$COUNT")
      read -r _ _ _ size spent _ < <(python3 bench/sip_flood.py "$daemon" $PORT $kind $source "$COUNT")
      echo "$kind $source $size $(( (spent - probe_ns) / COUNT )) $(( probe_ns / COUNT ))" >> "$OUT/results.txt"
    done
  done
done
python3 - "$OUT/results.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    kind, source, size, ns, probe = line.split()
    runs.setdefault((kind, source), []).append((int(ns), int(size), int(probe)))
for (kind, source), values in runs.items():
    ns = statistics.median(v[0] for v in values)
    who = "trunk   " if source == "127.0.0.1" else "stranger"
    spread = ", ".join(f"{v[0] / 1000:.1f}" for v in values)
    print(f"{kind:9} from {who} ({values[0][1]} bytes): {max(ns, 0) / 1000:8.1f} µs per datagram (runs: {spread}; probe {values[0][2] / 1000:.1f} µs)")
PY
kill "$daemon"
wait "$daemon" 2>/dev/null || true

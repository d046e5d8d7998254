#!/usr/bin/env bash
# SIP input cost (issue 14): the worst datagrams we can build (bench/sip_flood.py: 64 KB of folded
# lines, as many tiny headers as fit, a Via of ~32,000 list items, a To of ~32,000 parameters, and
# the most that passes every limit), COUNT
# of each, sent to an idle `campaignd run` (release, no contacts) on 127.0.0.1, from a stranger
# (127.0.0.2) and from the trunk (127.0.0.1). Prints the daemon's CPU per flood datagram (all its
# threads, from /proc), less the cost of the 481 probe that paces every datagram (measured alone).
#
# Usage: bench/sip-flood.sh [COUNT]   (default 1000). BIN=path/to/campaignd measures another build
# (e.g. the commit before, built with --scratch-path). Traffic stays on 127.0.0.x.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000}
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

echo "$(git rev-parse --short HEAD) $BIN, $COUNT datagrams each, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/sip_flood.py "$daemon" $PORT probe 127.0.0.1 "$COUNT" > "$OUT/probe.txt"
read -r _ _ _ _ probe_ns _ < "$OUT/probe.txt"
python3 -c "print(f'probe alone (481 to the trunk): {$probe_ns / $COUNT / 1000:.1f} µs each')"
for kind in folded headers list params maxed; do
  for source in 127.0.0.2 127.0.0.1; do
    python3 bench/sip_flood.py "$daemon" $PORT $kind $source "$COUNT" > "$OUT/$kind-$source.txt"
    read -r _ _ _ size spent elapsed < "$OUT/$kind-$source.txt"
    who=$([ "$source" = 127.0.0.1 ] && echo "trunk   " || echo "stranger")
    python3 -c "print(f'{\"$kind\":8} from $who ({$size} bytes): {max(0, $spent - $probe_ns) / $COUNT / 1000:8.1f} µs per datagram ({$elapsed:.1f} s)')"
  done
done
kill "$daemon"
wait "$daemon" 2>/dev/null || true

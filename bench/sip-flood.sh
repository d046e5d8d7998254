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
#
#        bench/sip-flood.sh setup [SECONDS] [RATE] [PAIRS]   (default 20 s at 100 calls/s, 2 pairs)
# Call setup under a flood: `campaignd run --once` dials a SIPp callee (sipp -sn uas) at RATE calls/s
# for SECONDS, once quiet and once while bench/sip_flood.py streams 2 MB/s of the worst datagrams
# from a non-trunk address (127.0.0.2) to its SIP port, alternating, PAIRS times. From a capture
# (dumpcap on lo): each call's setup time, first INVITE to the ACK of the 200 OK; p50/p99/max of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = setup ]; then
  source deploy/install-deps.sh
  source bench/lib.sh
  bench_start sip-flood-setup
  SECONDS_PER_RUN=${2:-20}
  RATE=${3:-100}
  PAIRS=${4:-2}
  CALLEE_PORT=5098
  SIP_PORT=5099
  echo "$BIN, $RATE calls/s for $SECONDS_PER_RUN s per run, $PAIRS pairs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
  for pair in $(seq 1 "$PAIRS"); do
    for mode in quiet flood; do
      dir="$OUT/$mode-$pair"
      write_dial_campaign "$dir" "$(python3 -c "print(int($RATE * $SECONDS_PER_RUN))")" "$RATE" "$CALLEE_PORT" 1
      sed -i "s/\"port\": 0}/\"port\": $SIP_PORT}/" "$dir/campaignd.json"
      sipp -sn uas -i 127.0.0.1 -p $CALLEE_PORT -nostdin >"$dir/uas.log" 2>&1 &
      callee=$!; pids+=($callee)
      dumpcap -q -i lo -B 64 -f "udp port $CALLEE_PORT" -w "$dir/capture.pcapng" 2>"$dir/dumpcap.log" &
      capture=$!; pids+=($capture)
      for _ in $(seq 100); do grep -q "Capturing on" "$dir/dumpcap.log" 2>/dev/null && break; sleep 0.1; done
      flooder=""
      if [ $mode = flood ]; then
        python3 bench/sip_flood.py stream $SIP_PORT 127.0.0.2 2000000 $((SECONDS_PER_RUN + 30)) >"$dir/flood.out" &
        flooder=$!; pids+=($flooder)
      fi
      "$BIN" --config "$dir/campaignd.json" run --once >"$dir/run.out" 2>"$dir/run.log" || true
      # SIGTERM: a background job of a script ignores SIGINT.
      [ -z "$flooder" ] || { kill "$flooder" 2>/dev/null || true; wait "$flooder" 2>/dev/null || true; }
      sleep 1
      kill -INT "$capture"; wait "$capture" 2>/dev/null || true
      kill "$callee"; wait "$callee" 2>/dev/null || true
      tshark -r "$dir/capture.pcapng" -Y 'sip.Method == "INVITE" || sip.Method == "ACK"' -T fields \
        -e frame.time_epoch -e sip.Method -e sip.Call-ID 2>/dev/null | python3 -c '
import sys
invite, ack = {}, {}
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3: continue
    t, method, call = float(parts[0]), parts[1], parts[2]
    table = invite if method == "INVITE" else ack
    table.setdefault(call, t)
setup = sorted((ack[c] - invite[c]) * 1000 for c in invite if c in ack)
n = len(setup)
pick = lambda q: setup[min(n - 1, int(q * n))]
print(f"'"$mode"' {n} calls of {len(invite)}: setup p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, max {setup[-1]:.2f} ms")
' | tee -a "$OUT/results.txt"
      [ $mode = quiet ] || echo "  flood: $(cat "$dir/flood.out")" | tee -a "$OUT/results.txt"
    done
  done
  exit 0
fi
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

#!/usr/bin/env bash
# Dial-rate benchmark: `campaignd run --once` at configured rates against a SIPp callee
# (sipp -sn uas), counting the INVITEs on the wire (tshark on loopback) to get the rate the callee
# sees; then campaignd's maximum with full durability (every attempt and CDR committed), next to
# SIPp's own maximum as a caller (sipp -sn uac) against the same callee, in the same run.
#
# Usage: bench/dialrate.sh [SECONDS] [RATES...]   (default 60 s at 1 10 50 200 calls/s)
#        MAX_CONTACTS=N for the maxima (default 40000: about 14 s for campaignd, 8 s for SIPp)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
command -v tshark >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tshark >/dev/null 2>&1
SECONDS_PER_RATE=${1:-60}
shift || true
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(1 10 50 200)
source bench/lib.sh
bench_start dialrate
PORT=5092
MAX_CONTACTS=${MAX_CONTACTS:-40000}

# First INVITE of each Call-ID in a capture (retransmissions do not count) ->
# "calls first last rate", the rate over the span from the first call to the last.
invite_rate() {
  tshark -r "$1" -Y 'sip.Method == "INVITE"' -T fields -e frame.time_epoch -e sip.Call-ID 2>/dev/null | python3 -c '
import sys
first = {}
for line in sys.stdin:
    parts = line.split()
    if len(parts) == 2 and parts[1] not in first: first[parts[1]] = float(parts[0])
times = sorted(first.values())
if len(times) < 2: print(len(times), 0, 0, 0); sys.exit()
span = times[-1] - times[0]
print(len(times), times[0], times[-1], (len(times) - 1) / span if span > 0 else 0)'
}

# A fresh SIPp callee for each measurement, so one run's leftovers never slow the next.
start_callee() {
  sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin >"$OUT/uas-$1.log" 2>&1 &
  CALLEE=$!
  pids+=($CALLEE)
  sleep 1
}
stop_callee() { kill "$CALLEE" 2>/dev/null || true; wait "$CALLEE" 2>/dev/null || true; sleep 1; }

# One measured run: campaignd at RATE for COUNT contacts; prints "count span achieved".
measure_campaignd() {
  local rate=$1 count=$2 name=$3
  local dir="$OUT/$name"
  write_dial_campaign "$dir" "$count" "$rate" "$PORT"
  tshark -i lo -f "udp dst port $PORT" -w "$dir/capture.pcapng" -q 2>/dev/null &
  local tshark_pid=$!
  sleep 2
  "$BIN" --config "$dir/campaignd.json" run --once >"$dir/run.out" 2>"$dir/run.log" || true
  sleep 1
  kill -INT $tshark_pid; wait $tshark_pid 2>/dev/null || true
  invite_rate "$dir/capture.pcapng"
}

echo "configured  calls  achieved/s  ratio"
for rate in "${RATES[@]}"; do
  count=$(python3 -c "print(int($rate * $SECONDS_PER_RATE) + 1)")
  start_callee "rate-$rate"
  read -r n first last achieved < <(measure_campaignd "$rate" "$count" "rate-$rate")
  stop_callee
  printf '%10s  %5s  %10.3f  %.4f\n' "$rate" "$n" "$achieved" "$(python3 -c "print($achieved / $rate)")"
done

# Maxima: campaignd asked for far more than it can do, and SIPp's own UAC, each with a fresh callee.
start_callee max
read -r n first last achieved < <(measure_campaignd 5000 "$MAX_CONTACTS" "max")
stop_callee
retransmitted=$(tshark -r "$OUT/max/capture.pcapng" -Y 'sip.Method == "INVITE"' 2>/dev/null | wc -l)
printf 'campaignd maximum (asked 5000/s, %s contacts): %.1f calls/s over %s calls (%s INVITE datagrams); %s\n' "$MAX_CONTACTS" "$achieved" "$n" "$retransmitted" "$(head -1 "$OUT/max/run.out")"
start_callee uac
tshark -i lo -f "udp dst port $PORT" -w "$OUT/sipp-uac.pcapng" -q 2>/dev/null &
tshark_pid=$!
sleep 2
sipp -sn uac 127.0.0.1:$PORT -i 127.0.0.1 -p 5093 -r 5000 -m "$MAX_CONTACTS" -d 1000 -nostdin -timeout 120s >"$OUT/uac.log" 2>&1 || true
sleep 1
kill -INT $tshark_pid; wait $tshark_pid 2>/dev/null || true
read -r n first last achieved < <(invite_rate "$OUT/sipp-uac.pcapng")
stop_callee
retransmitted=$(tshark -r "$OUT/sipp-uac.pcapng" -Y 'sip.Method == "INVITE"' 2>/dev/null | wc -l)
printf 'SIPp uac maximum (asked 5000/s, %s calls):     %.1f calls/s over %s calls (%s INVITE datagrams)\n' "$MAX_CONTACTS" "$achieved" "$n" "$retransmitted"

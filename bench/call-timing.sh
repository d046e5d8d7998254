#!/usr/bin/env bash
# Call set-up timing of `campaignd call`, read off a loopback capture (tshark):
#   - from the start of the `campaignd call` process to its INVITE on the wire;
#   - from the callee's 200 OK to our ACK.
# Reference in the same run and capture: SIPp's own UAC (-sn uac) calling the same SIPp callee,
# its 200 -> ACK time.
#
# Usage: bench/call-timing.sh [CALLS]   (default 20). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
if ! command -v tshark >/dev/null 2>&1; then
  echo "installing tshark" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tshark >/dev/null 2>&1
fi
CALLS=${1:-20}
source bench/lib.sh
bench_start call-timing
PORT=5082

cat > "$OUT/campaignd.json" <<JSON
{"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": $PORT}], "sip": {"bindAddress": "127.0.0.1"},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
JSON

tshark -i lo -f "udp port $PORT" -w "$OUT/capture.pcapng" -q 2>"$OUT/tshark.log" &
pids+=($!)
sleep 2
sipp -sf deploy/sipp/uas-answer.xml -i 127.0.0.1 -p $PORT -m $((CALLS * 2)) -nostdin -timeout 120s >"$OUT/uas.log" 2>&1 &
pids+=($!)
sleep 0.5

: > "$OUT/starts.txt"
for i in $(seq 1 "$CALLS"); do
  start=$(date +%s.%N)
  "$BIN" --config "$OUT/campaignd.json" call "+1555123$(printf %04d "$i")" --hangup-after 0 --json >"$OUT/call-$i.json"
  callid=$(grep -o '"call_id":"[^"]*"' "$OUT/call-$i.json" | cut -d'"' -f4)
  echo "$callid $start" >> "$OUT/starts.txt"
done

# The reference: SIPp's built-in UAC, same callee, same number of calls, one at a time.
sipp -sn uac 127.0.0.1:$PORT -i 127.0.0.1 -p 5083 -m "$CALLS" -l 1 -r 5 -nostdin -timeout 60s >"$OUT/uac.log" 2>&1 || true
sleep 1
kill "${pids[0]}" 2>/dev/null || true
sleep 1

tshark -r "$OUT/capture.pcapng" -Y sip -T fields -E separator='|' \
  -e frame.time_epoch -e sip.Call-ID -e sip.Method -e sip.Status-Code -e sip.CSeq.method -e udp.srcport > "$OUT/sip.tsv"

python3 - "$OUT/sip.tsv" "$OUT/starts.txt" "$CALLS" <<'PY'
import sys, statistics
rows = [line.rstrip("\n").split("|") for line in open(sys.argv[1]) if line.strip()]
starts = dict(line.split() for line in open(sys.argv[2]) if line.strip())
calls = {}
for time, callid, method, status, cseq_method, srcport in rows:
    c = calls.setdefault(callid, {})
    t = float(time)
    if method == "INVITE" and "invite" not in c: c["invite"] = t
    if status == "200" and cseq_method == "INVITE" and "ok" not in c: c["ok"] = t
    if method == "ACK" and "ack" not in c and "ok" in c: c["ack"] = t
def summary(values):
    values = sorted(values)
    if not values: return "no samples"
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return f"median {statistics.median(values)*1000:.2f} ms, p90 {p90*1000:.2f} ms, max {values[-1]*1000:.2f} ms (n={len(values)})"
ours = [c for cid, c in calls.items() if cid in starts]
theirs = [c for cid, c in calls.items() if cid not in starts]
print("campaignd call: process start -> INVITE on the wire:", summary([c["invite"] - float(starts[cid]) for cid, c in calls.items() if cid in starts and "invite" in c]))
print("campaignd call: 200 OK -> ACK:                     ", summary([c["ack"] - c["ok"] for c in ours if "ack" in c]))
print("SIPp uac (reference): 200 OK -> ACK:               ", summary([c["ack"] - c["ok"] for c in theirs if "ack" in c]))
PY

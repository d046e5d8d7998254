#!/usr/bin/env bash
# A long call kept up by session timers (issue 15, RFC 4028): `campaignd call` to a SIPp callee that
# answers with Session-Expires: INTERVAL;refresher=uac (campaignd refreshes), expects REFRESHES
# UPDATEs, each within the interval, then hangs up. Reports the outcome, the call's length, when each
# refresh came (the reference is RFC 4028 §10's schedule: one every half interval) and campaignd's
# CPU time and peak memory for the call (GNU time).
#
# Usage: bench/session-refresh.sh [INTERVAL] [REFRESHES]   (default 60 and 6: a refresh every 30 s
# for 3 minutes). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
INTERVAL=${1:-60}
REFRESHES=${2:-6}
source bench/lib.sh
bench_start session-refresh
PORT=5086

# The scenario: deploy/sipp/uas-session-refresh.xml with this interval and this many refreshes.
python3 - "$INTERVAL" "$REFRESHES" "$OUT/uas-session-long.xml" <<'PY'
import sys
interval, refreshes, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
text = open("deploy/sipp/uas-session-refresh.xml").read().replace("2;refresher=uac", f"{interval};refresher=uac")
text = text.replace('timeout="5000"', f'timeout="{interval * 1000}"')
start = text.index('  <recv request="UPDATE"')
end = text.index('  <send retrans="500"><![CDATA[\nBYE')
block = text[start:end]
one = block[:len(block) // 3]  # the scenario repeats one refresh three times
open(out, "w").write(text[:start] + one * refreshes + text[end:])
PY

cat > "$OUT/campaignd.json" <<JSON
{"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": $PORT}], "sip": {"bindAddress": "127.0.0.1", "port": 0},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
JSON

sipp -sf "$OUT/uas-session-long.xml" -i 127.0.0.1 -p $PORT -m 1 -nostdin -timeout $((INTERVAL * REFRESHES + 60))s \
  -trace_msg -message_file "$OUT/sipp-messages.log" >"$OUT/sipp.log" 2>&1 &
sipp_pid=$!
pids+=($sipp_pid)
sleep 0.5
started=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$OUT/time.txt" "$BIN" --config "$OUT/campaignd.json" call +15551230001 --json >"$OUT/call.json" || true
finished=$(date +%s.%N)
sipp_status=0
wait "$sipp_pid" || sipp_status=$?

python3 - "$OUT" "$INTERVAL" "$REFRESHES" "$sipp_status" "$started" "$finished" <<'PY'
import json, re, sys, datetime
out, interval, refreshes, sipp_status, started, finished = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
events = [json.loads(line) for line in open(f"{out}/call.json") if line.startswith("{")]
end = next(e for e in events if e["event"] == "ended")
answered = next((e for e in events if e["event"] == "answered"), None)
# SIPp's message log: a dashed line with the time, then the message.
times = []
stamp = None
for line in open(f"{out}/sipp-messages.log", errors="replace"):
    m = re.match(r"-+ (\d{4}-\d\d-\d\d\s+\d\d:\d\d:\d\d\.\d+)", line)
    if m:
        stamp = datetime.datetime.strptime(re.sub(r"\s+", " ", m.group(1))[:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
    elif line.startswith("UPDATE sip:") and stamp is not None:
        times.append(stamp)
answer_at = datetime.datetime.fromisoformat(answered["time"].replace("Z", "+00:00")).timestamp() if answered else None
gaps = [b - a for a, b in zip([answer_at] + times, times)] if answer_at else []
user, system, rss = open(f"{out}/time.txt").read().split()[:3]
print(f"outcome: {end['status']} {end['reason_code']}, connected {int(end.get('connect_duration_ms', 0)) / 1000:.1f} s; SIPp exit code {sipp_status}")
print(f"refreshes (UPDATE) seen by SIPp: {len(times)} of {refreshes} expected")
print("refresh intervals, s (RFC 4028 schedule: every %.1f s): %s" % (interval / 2, ", ".join(f"{g:.3f}" for g in gaps)))
print(f"campaignd call: CPU {float(user) + float(system):.2f} s (user {user} s, system {system} s) over {finished - started:.1f} s, max RSS {int(rss) / 1024:.1f} MB")
PY

#!/usr/bin/env bash
# Bridged calls (issue 17): `campaignd run --once` dials N contacts at RATE calls/s against SIPp
# "people" (each answers and streams noise), and puts each one through (`onHuman.connect`, method
# bridge, no detection: every answered call) to a SIPp "agent" (answers and streams noise of its own).
# campaignd relays RTP both ways for HOLD_S seconds (the campaign's maxCallDurationSec), then hangs
# up both legs. N / RATE seconds of dialing put about N bridged calls up at once.
#
# SIPP_PAIRS (default 1): how many SIPp person/agent pairs share the calls (pair i: campaign
# bridge-i with N / SIPP_PAIRS contacts, its own trunk and its own agent). SIPp's rtp_stream sends
# every stream of one process on the same 20 ms grid (rtpstream.cpp: next_wake = now + 20 - now % 20,
# the clock counted from the process's start), so with one pair all N calls' packets leave SIPp
# in the same instant every 20 ms, each way: the worst case, which no real set of phones produces
# (each phone's clock is its own). With K pairs the streams come in K groups per side, each on its
# own process's grid: nearer real traffic, still burstier than it.
#
# Reports (bench/out/bridge/summary.txt):
#   - CPU (user + system) of campaignd and of SIPp over the run, per bridged call-second (the sum
#     of the CDRs' connectedSec);
#   - from a CAPTURE_S capture of the RTP (first 64 bytes of each packet) in the steady state, once
#     every call is up: each relayed packet's added latency (its time out of campaignd minus its time
#     in, matched within the call by payload), p50/p99/max, each direction; packets that went in and
#     never came out (lost in the relay); what dumpcap itself dropped;
#   - peak RSS and threads of campaignd, and for each of its busy threads during the capture: CPU time
#     run, time runnable but waiting for a CPU, and wake-ups (/proc/PID/task/*/schedstat).
#
# Usage: bench/bridge.sh [N] [RATE]   (default 500 50); HOLD_S (40), CAPTURE_S (10); SIPP_NICE (10):
#   SIPp (some 60 threads at 1,000 calls) and dumpcap run at this nice level, so that on a 2-core
#   machine their threads do not stand between a packet and campaignd's loops (campaignd would have
#   the machine to itself in production); 0 runs everything at the same priority. REALTIME (10):
#   campaignd's runtime.realtimePriority, as deploy/campaignd.service grants it (SCHED_RR event
#   loops); 0 leaves them time-shared. With it, both dumpcaps run SCHED_RR one above it, or the
#   loops would starve the capture, not the calls, at 1,000 calls. ANSWER_MS (0):
#   people answer after a 180 and a ring uniform in 0..ANSWER_MS ms.
# Traffic stays on 127.0.0.1: SIPp people on UDP 5100+i (media 32000+10i), agents on 5300+i (media
# 32500+10i), campaignd RTP 22000-30999.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
N=${1:-500}
RATE=${2:-50}
HOLD_S=${HOLD_S:-40}
CAPTURE_S=${CAPTURE_S:-10}
SIPP_NICE=${SIPP_NICE:-10}
ANSWER_MS=${ANSWER_MS:-0}
SIPP_PAIRS=${SIPP_PAIRS:-1}
REALTIME=${REALTIME:-10}
PERSON_PORT=5100
AGENT_PORT=5300
PERSON_MEDIA=32000
AGENT_MEDIA=32500
source bench/lib.sh
bench_start bridge

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for ((i = 0; i < SIPP_PAIRS; i++)); do for port in $((PERSON_PORT + i)) $((AGENT_PORT + i)) $((PERSON_MEDIA + 10 * i)) $((AGENT_MEDIA + 10 * i)); do
  if [ -n "$(ss -Hlun "sport = :$port")" ]; then echo "UDP port $port is in use; stop what holds it" >&2; exit 1; fi
done; done

# Noise (no two 20 ms frames alike), longer than the calls, one recording per side.
python3 bench/bridge.py noise "$OUT/person.ulaw" 1 $((HOLD_S + 30))
python3 bench/bridge.py noise "$OUT/agent.ulaw" 2 $((HOLD_S + 30))
sed -e "s#@CLIP@#$PWD/$OUT/person.ulaw#" deploy/sipp/uas-stream.xml.in \
  | sed -e 's#<recv request="BYE" timeout="30000" />#<recv request="BYE" timeout="'$(((HOLD_S + 60) * 1000))'" />#' > "$OUT/person.xml"
if [ "$ANSWER_MS" -gt 0 ]; then
  # People answer after a ring of their own: 180 Ringing, then a pause uniform in 0..ANSWER_MS ms.
  python3 - "$OUT/person.xml" "$ANSWER_MS" <<'PY'
import sys
path, spread = sys.argv[1], sys.argv[2]
text = open(path).read()
ring = """  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <pause distribution="uniform" min="0" max="%s" />
""" % spread
open(path, "w").write(text.replace('  <recv request="INVITE" />\n', ring, 1))
PY
fi
python3 - "$OUT" "$HOLD_S" <<'PY'
import sys
out, hold = sys.argv[1], int(sys.argv[2])
text = open("deploy/sipp/uas-agent.xml.in").read()
end = f'''  <recv request="BYE" timeout="{(hold + 60) * 1000}" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>'''
for key, value in {"CHECKS": "", "PT": "0", "MORE_PTS": "", "MORE_RTPMAP": "", "CODEC": "PCMU", "CLIP": f"{out}/agent.ulaw", "RING_MS": "0", "END": end}.items():
    text = text.replace(f"@{key}@", value)
open(f"{out}/agent.xml", "w").write(text.replace(f"{out}/agent.ulaw", __import__("os").path.abspath(f"{out}/agent.ulaw")))
PY

mkdir -p "$OUT/campaigns/lists"
write_contacts "$OUT/all.csv" "$N"
trunks=""
for ((i = 0; i < SIPP_PAIRS; i++)); do
  # Pair i's share of the numbers, and its campaign: its people's trunk, its agent.
  { echo target; tail -n +2 "$OUT/all.csv" | awk -v k="$SIPP_PAIRS" -v i="$i" '(NR - 1) % k == i'; } > "$OUT/campaigns/lists/bridge-$i.csv"
  cat > "$OUT/campaigns/bridge-$i.json" <<JSON
{"id": "bridge-$i", "name": "Bridge bench $i", "trunk": "person-$i",
 "dialoutLimitPerSecond": $RATE, "maxConcurrentCalls": 0, "answerTimeoutSec": 30, "maxCallDurationSec": $HOLD_S, "maxRetryNo": 0,
 "machineDetection": "disabled",
 "onHuman": {"connect": {"target": "sip:agent@127.0.0.1:$((AGENT_PORT + i))", "method": "bridge", "timeoutSec": 20}},
 "window": {"start": "00:00", "end": "24:00"}, "contactsFile": "bridge-$i.csv"}
JSON
  trunks="$trunks${trunks:+, }{\"name\": \"person-$i\", \"host\": \"127.0.0.1\", \"port\": $((PERSON_PORT + i))}"
done
cat > "$OUT/campaignd.json" <<JSON
{"campaignsDir": "$PWD/$OUT/campaigns", "dataDir": "$PWD/$OUT/var",
 "trunks": [$trunks],
 "sip": {"bindAddress": "127.0.0.1", "port": 0, "rtpPortMin": 22000, "rtpPortMax": 30999},
 "limits": {"dialoutLimitPerSecond": $RATE, "maxConcurrentCalls": 0, "drainTimeoutSec": 10},
 $([ "$REALTIME" -gt 0 ] && echo "\"runtime\": {\"realtimePriority\": $REALTIME},")
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
JSON

BOUND=$(python3 -c "print(int($N / $RATE) + $HOLD_S + 90)")
people=() agents=()
for ((i = 0; i < SIPP_PAIRS; i++)); do
  nice -n "$SIPP_NICE" sipp -sf "$OUT/person.xml" -i 127.0.0.1 -mi 127.0.0.1 -p $((PERSON_PORT + i)) -mp $((PERSON_MEDIA + 10 * i)) -nostdin \
    -timeout $((BOUND + 60))s -trace_err -error_file "$OUT/sipp-person-$i-errors.log" >"$OUT/sipp-person-$i.log" 2>&1 &
  people+=($!)
  nice -n "$SIPP_NICE" sipp -sf "$OUT/agent.xml" -i 127.0.0.1 -mi 127.0.0.1 -p $((AGENT_PORT + i)) -mp $((AGENT_MEDIA + 10 * i)) -nostdin \
    -timeout $((BOUND + 60))s -trace_err -error_file "$OUT/sipp-agent-$i-errors.log" >"$OUT/sipp-agent-$i.log" 2>&1 &
  agents+=($!)
  pids+=("${people[-1]}" "${agents[-1]}")
  wait_for "[ -n \"\$(ss -Hlun 'sport = :$((PERSON_PORT + i))')\" ] && [ -n \"\$(ss -Hlun 'sport = :$((AGENT_PORT + i))')\" ]" 10 "SIPp on $((PERSON_PORT + i)) and $((AGENT_PORT + i))"
done
PERSON=${people[0]}

# The capture's own priority: above campaignd's loops when they run real-time (a starved dumpcap
# drops packets and the run is INVALID), else SIPP_NICE for the RTP capture.
realtime_capturer
if [ "$REALTIME" -gt 0 ]; then RTP_CAPTURER=("${CAPTURER[@]}"); else RTP_CAPTURER=(nice -n "$SIPP_NICE"); fi
"${CAPTURER[@]}" dumpcap -i lo -P -B 32 -f "udp portrange $PERSON_PORT-$((PERSON_PORT + SIPP_PAIRS - 1)) or udp portrange $AGENT_PORT-$((AGENT_PORT + SIPP_PAIRS - 1))" -w "$OUT/sip.pcap" >"$OUT/dumpcap-sip.log" 2>&1 &
SIP_CAPTURE=$!
pids+=($SIP_CAPTURE)
wait_for "grep -q '^File:' '$OUT/dumpcap-sip.log'" 10 "dumpcap"

echo "bridge: $N contacts at $RATE calls/s over $SIPP_PAIRS SIPp pair(s), bridged $HOLD_S s each, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); run bounded to $BOUND s"
start_timed_run "$PERSON"

# The RTP capture: once dialing is over and every call is up, for CAPTURE_S seconds.
sleep "$(python3 -c "print($N / $RATE + 3)")"
python3 bench/bridge.py schedstat "$CAMPAIGND" "$CAPTURE_S" "$OUT/schedstat.txt" &
pids+=($!)
"${RTP_CAPTURER[@]}" dumpcap -i lo -P -B 256 -s 64 -a "duration:$CAPTURE_S" -f "udp portrange 22000-30999 and udp[8] & 0xc0 == 0x80" \
  -w "$OUT/rtp.pcap" >"$OUT/dumpcap-rtp.log" 2>&1 || true
capture_end=$(date +%s.%N)

deadline=$((SECONDS + BOUND))
while kill -0 "$CAMPAIGND" 2>/dev/null; do
  if [ $SECONDS -ge $deadline ]; then kill -TERM "$CAMPAIGND" 2>/dev/null || true; fi
  sleep 0.5
done
exit_code=0
wait "$TIMER" || exit_code=$?
elapsed=$(python3 -c "import time; print(time.time() - $started)")
wait "$SAMPLER" || true
sipp_cpu() { python3 -c "import sys; sys.path.insert(0, 'bench'); import media_concurrency as m; print(sum((m.proc_sample(int(p)) or [0])[0] for p in sys.argv[1:]))" "$@"; }
person_cpu=$(sipp_cpu "${people[@]}")
agent_cpu=$(sipp_cpu "${agents[@]}")
kill -INT "$SIP_CAPTURE" 2>/dev/null || true
wait "$SIP_CAPTURE" 2>/dev/null || true
kill "${people[@]}" "${agents[@]}" 2>/dev/null || true
wait "${people[@]}" "${agents[@]}" 2>/dev/null || true

read -r _ user system maxrss < <(tail -1 "$OUT/time.txt" | grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' || echo "0 0 0 0")
cat > "$OUT/run.json" <<JSON
{"date": "$(date -u +%Y-%m-%dT%H:%MZ)", "machine": "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)",
 "commit": "${CAMPAIGND_BIN:+binary $CAMPAIGND_BIN, tree at }$(git log -1 --format=%h -- Sources Package.swift)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes')",
 "contacts": $N, "rate": $RATE, "hold_s": $HOLD_S, "exit_code": $exit_code, "elapsed_s": $elapsed,
 "campaignd_user_s": $user, "campaignd_system_s": $system, "campaignd_maxrss_kb": $maxrss,
 "sipp_person_cpu_s": $person_cpu, "sipp_agent_cpu_s": $agent_cpu, "person_sip_port": $PERSON_PORT, "agent_sip_port": $AGENT_PORT,
 "person_media": $PERSON_MEDIA, "agent_media": $AGENT_MEDIA, "sipp_pairs": $SIPP_PAIRS, "answer_ms": $ANSWER_MS, "sipp_nice": $SIPP_NICE, "realtime_priority": $REALTIME, "capture_s": $CAPTURE_S}
JSON
python3 bench/bridge.py analyse "$OUT"

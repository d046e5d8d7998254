#!/usr/bin/env bash
# Media concurrency (issue 11): `campaignd run --once` dials N contacts at RATE calls/s with
# answering-machine detection (`machineDetection: detect`), an `onHuman` and an `onMachine` prompt,
# against a SIPp callee (deploy/sipp/uas-media-bench.xml.in) that answers and streams a person or an
# answering machine with a beep (rtp_stream), chosen by the number's last digit: 0-4 people, 5-9
# machines, recordings from the AMD corpus carried on with their own line noise to CLIP_SECONDS.
# campaignd should give every call the right verdict, play exactly one prompt (after the person's
# greeting, or after the machine's beep) and hang up when it ends; the prompts are long enough that
# calls last about 30 s, so N / RATE seconds of dialing put about N calls up at once.
#
# From the same run it reports (bench/out/media-concurrency/summary.txt):
#   - campaignd's CPU (user + system over the run, /usr/bin/time) and SIPp's (from /proc, same span),
#     each per call-second of media (the sum of the CDRs' connectDurationMs), and their ratio;
#   - campaignd's peak RSS (VmHWM) minus its RSS before the first INVITE, per call up at the peak
#     (calls up at once from the CDRs' connect and disconnect times); SIPp's the same way;
#   - the most threads campaignd had (/proc/PID/status, sampled every 0.5 s);
#   - every CDR's machineDetection (and beepDetected) against the clip's label, calls lost, and
#     whether each call logged exactly the right prompt;
#   - how late things were, against when their audio reached campaignd (SIPp streams from our ACK,
#     so audio time t of an AMD event's after_answer_ms is on the wire at ACK + t): the deciding AMD
#     event (log), the prompt's start (log, and on the wire for sampled calls) and the call's end
#     (BYE on the wire minus the prompt's start and length);
#   - from an RTP capture of a sample of calls (about 64, chosen by SSRC bits in the capture filter,
#     so it does not depend on how campaignd picks ports): each prompt packet's lateness against its
#     schedule, t_n - (t_0 + n x 20 ms), n from the sequence number, the prompt found by content (a
#     tone, not encoded silence) starting at a packet with the marker bit or after silence;
#   - the dial rate on the wire (first INVITE of each Call-ID) against RATE.
#
# Usage: bench/media-concurrency.sh [N] [RATE]   (default 500 50)
#   HUMAN_PROMPT_S (27), MACHINE_PROMPT_S (20): prompt lengths; CLIP_SECONDS (125): the callee's audio,
#   longer than maxCallDurationSec (120), so the callee talks for as long as campaignd keeps a call up,
#   however late it hangs up (SIPp waits 150 s for our BYE).
#   REALTIME (0): campaignd's runtime.realtimePriority (SCHED_RR event loops; the dumpcaps then run
#   SCHED_RR one above it, so that the loops cannot starve the capture); 0 leaves them time-shared.
#   A run is stopped (SIGTERM, then SIGKILL) after MAX_RUN_S (4 N / RATE + 150 s, at most 570 s); the summary says so.
# Traffic stays on 127.0.0.1: SIPp on UDP 5097 (media 32000), campaignd RTP 22000-30999 (clear of the
# ranges the tests and demo use beside it: 20000-21099 and 31000-31599; and of ephemeral ports, 32768 up).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
N=${1:-500}
RATE=${2:-50}
REALTIME=${REALTIME:-0}
HUMAN_PROMPT_S=${HUMAN_PROMPT_S:-27}
MACHINE_PROMPT_S=${MACHINE_PROMPT_S:-20}
CLIP_SECONDS=${CLIP_SECONDS:-125}
CORPUS=${CORPUS:-../shared/amd/dev}
PORT=5097
MEDIA_PORT=32000
source bench/lib.sh
bench_start media-concurrency

# 2,000 calls: campaignd holds an RTP socket (and more) per call, SIPp a few.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for port in $PORT $MEDIA_PORT $((MEDIA_PORT + 2)); do
  if [ -n "$(ss -Hlun "sport = :$port")" ]; then echo "UDP port $port is in use; stop what holds it" >&2; exit 1; fi
done

# The callee's recordings and the prompts (tones, so they are told from encoded silence on the wire).
python3 bench/media_concurrency.py audio "$CORPUS" "$OUT/audio" "$CLIP_SECONDS" "$HUMAN_PROMPT_S" "$MACHINE_PROMPT_S"
(cd "$OUT/audio/clips" && "$BIN" amd --labels labels.csv d*.wav) > "$OUT/amd-check.txt" 2>&1
grep -q 'human/machine accuracy: 100.0% (10 of 10)' "$OUT/amd-check.txt" || {
  echo "campaignd amd does not get all ten recordings right offline; see $OUT/amd-check.txt" >&2; exit 1; }
sed_args=()
for digit in 0 1 2 3 4 5 6 7 8 9; do sed_args+=(-e "s#@CLIP$digit@#$PWD/$OUT/audio/clips/d$digit.ulaw#"); done
sed "${sed_args[@]}" deploy/sipp/uas-media-bench.xml.in > "$OUT/uas-media-bench.xml"

# The campaign: N contacts, last digit choosing the callee's recording.
mkdir -p "$OUT/campaigns/prompts" "$OUT/campaigns/lists"
cp "$OUT/audio/prompts/human.wav" "$OUT/audio/prompts/machine.wav" "$OUT/campaigns/prompts/"
write_contacts "$OUT/campaigns/lists/media.csv" "$N"
cat > "$OUT/campaigns/media.json" <<JSON
{"id": "media", "name": "Media concurrency bench", "trunk": "sipp",
 "dialoutLimitPerSecond": $RATE, "maxConcurrentCalls": 0, "answerTimeoutSec": 30, "maxCallDurationSec": 120, "maxRetryNo": 0,
 "machineDetection": "detect", "voicemailEndTimeoutSec": 20,
 "onHuman": {"play": "human.wav"}, "onMachine": {"play": "machine.wav"},
 "window": {"start": "00:00", "end": "24:00"}, "contactsFile": "media.csv"}
JSON
write_media_config sipp "$PORT" "$RATE"

BOUND=${MAX_RUN_S:-$(python3 -c "print(min(570, int(4 * $N / $RATE) + 150))")}
sipp -sf "$OUT/uas-media-bench.xml" -i 127.0.0.1 -mi 127.0.0.1 -p $PORT -mp $MEDIA_PORT -nostdin \
  -timeout $((BOUND + 120))s -trace_err -error_file "$OUT/sipp-errors.log" >"$OUT/sipp.log" 2>&1 &
SIPP=$!
pids+=($SIPP)
wait_for "[ -n \"\$(ss -Hlun 'sport = :$PORT')\" ]" 10 "SIPp on port $PORT"

# Captures: all SIP on the trunk port (cheap), and campaignd's RTP to SIPp for calls whose SSRC has
# its low bits zero: about 64 calls whatever N is.
mask=1
while [ $((mask * 64)) -lt "$N" ]; do mask=$((mask * 2)); done
realtime_capturer
"${CAPTURER[@]}" dumpcap -i lo -P -B 32 -f "udp port $PORT" -w "$OUT/sip.pcap" >"$OUT/dumpcap-sip.log" 2>&1 &
SIP_CAPTURE=$!
pids+=($SIP_CAPTURE)
"${CAPTURER[@]}" dumpcap -i lo -P -B 32 -s 256 -f "udp dst port $MEDIA_PORT and (udp[8] & 0xc0) == 0x80 and (udp[19] & $((mask - 1))) == 0" \
  -w "$OUT/rtp.pcap" >"$OUT/dumpcap-rtp.log" 2>&1 &
RTP_CAPTURE=$!
pids+=($RTP_CAPTURE)
wait_for "grep -q '^File:' '$OUT/dumpcap-sip.log' && grep -q '^File:' '$OUT/dumpcap-rtp.log'" 10 "dumpcap"

echo "media-concurrency: $N contacts at $RATE calls/s, prompts $HUMAN_PROMPT_S/$MACHINE_PROMPT_S s, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); run bounded to $BOUND s"
start_timed_run "$SIPP"

timed_out=false
deadline=$((SECONDS + BOUND))
while kill -0 "$CAMPAIGND" 2>/dev/null; do
  if [ $SECONDS -ge $deadline ] && [ $timed_out = false ]; then
    echo "still running after $BOUND s: SIGTERM, and SIGKILL 25 s later if it is still there" >&2
    timed_out=true
    kill -TERM "$CAMPAIGND" 2>/dev/null || true
    deadline=$((SECONDS + 25))
  elif [ $SECONDS -ge $deadline ]; then
    kill -KILL "$CAMPAIGND" 2>/dev/null || true
  fi
  sleep 0.5
done
exit_code=0
wait "$TIMER" || exit_code=$?
elapsed=$(python3 -c "import time; print(time.time() - $started)")
wait "$SAMPLER" || true
kill -INT "$SIP_CAPTURE" "$RTP_CAPTURE" 2>/dev/null || true
wait "$SIP_CAPTURE" "$RTP_CAPTURE" 2>/dev/null || true
kill "$SIPP" 2>/dev/null || true
wait "$SIPP" 2>/dev/null || true

read -r _ user system _ < <(tail -1 "$OUT/time.txt" | grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' || echo "0 0 0 0")
cat > "$OUT/run.json" <<JSON
{"date": "$(date -u +%Y-%m-%dT%H:%MZ)", "machine": "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)",
 "commit": "$(git log -1 --format=%h -- Sources Package.swift)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes')",
 "clip_seconds": $CLIP_SECONDS, "exit_code": $exit_code, "timed_out": $timed_out, "elapsed_s": $elapsed,
 "campaignd_user_s": $user, "campaignd_system_s": $system, "realtime_priority": $REALTIME}
JSON
python3 bench/media_concurrency.py analyse "$OUT" "$N" "$RATE" "$PORT" "$HUMAN_PROMPT_S" "$MACHINE_PROMPT_S"

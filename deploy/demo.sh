#!/usr/bin/env bash
# The demo: installs what is missing, builds campaignd, imports the example campaigns into a
# throw-away data directory, dials campaigns/example.csv against a SIPp callee on 127.0.0.1 whose
# answers depend on the number (answer, busy, no answer, decline), and prints the CDR summary.
# Then a voicemail-drop campaign with answering-machine detection against a SIPp callee that
# streams a person or an answering machine (deploy/sipp/audio).
# The daemon serves the HTTP API and the web console on a free port of 127.0.0.1 while it runs, with
# one key whose secret is made up here; the address and the key are printed.
# DEMO_KEEP=1: afterwards, keep a daemon serving the console on the demo's data until Ctrl-C, and keep
# the demo's files.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
swift build --product campaignd
BIN=$(swift build --show-bin-path)/campaignd

WORK=$(mktemp -d /tmp/campaignd-demo.XXXXXX)
SIPP_PID=""
AMD_PID=""
RUN_PID=""
cleanup() {
  for pid in "$RUN_PID" "$SIPP_PID" "$AMD_PID"; do if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; done
  for pid in "$RUN_PID" "$SIPP_PID" "$AMD_PID"; do if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi; done
  [ -n "${DEMO_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
SIPP_PORT=5062
AMD_PORT=5063
# The console's port: one that is free now (the kernel's choice), kept for every run of the demo.
API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONSOLE="http://127.0.0.1:$API_PORT/"
DEMO_SECRET=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
cat > "$WORK/campaignd.json" <<JSON
{
  "campaignsDir": "$WORK/campaigns",
  "dataDir": "$WORK/var",
  "trunks": [{ "name": "carrier", "host": "127.0.0.1", "port": $SIPP_PORT },
             { "name": "amd-lab", "host": "127.0.0.1", "port": $AMD_PORT }],
  "sip": { "bindAddress": "127.0.0.1", "port": 0, "rtpPortMin": 21000, "rtpPortMax": 21099 },
  "limits": { "dialoutLimitPerSecond": 10, "maxConcurrentCalls": 4 },
  "defaults": { "defaultCountryCode": "1", "timezone": "America/New_York", "trunk": "carrier",
                "caller": "+15550001111", "dialoutLimitPerSecond": 5, "answerTimeoutSec": 2,
                "maxRetryNo": 1, "retryIntervalSec": 3, "window": { "start": "00:00", "end": "24:00" } },
  "dialoutAllowedCallers": ["+15550001111"],
  "api": { "listen": "127.0.0.1:$API_PORT",
           "keys": [{ "name": "demo", "secret": "$DEMO_SECRET", "scopes": ["calls", "campaigns", "read"] }] }
}
JSON
mkdir -p "$WORK/campaigns"
cp -r campaigns/lists "$WORK/campaigns/"
run() { echo "\$ campaignd $*"; "$BIN" --config "$WORK/campaignd.json" "$@"; }

# api_listening LOG: waits (10 s at most, or until RUN_PID ends) for the daemon's line saying its API
# listens; fails if it never came.
api_listening() {
  for _ in $(seq 100); do
    grep -q 'HTTP API listening' "$1" 2>/dev/null && return 0
    kill -0 "$RUN_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'HTTP API listening' "$1" 2>/dev/null
}

# run_once LOG: `campaignd run --once` (stderr to LOG); says where the console is once it listens,
# and waits for the run to end.
run_once() {
  echo "\$ campaignd run --once --until $UNTIL"
  "$BIN" --config "$WORK/campaignd.json" run --once --until "$UNTIL" 2>"$1" &
  RUN_PID=$!
  if api_listening "$1"; then
    echo "  ┌ web console: $CONSOLE   log in with the API key: $DEMO_SECRET"
    echo "  └ (served by this run while it lasts; DEMO_KEEP=1 bash deploy/demo.sh keeps it up after the demo)"
  fi
  local code=0
  wait "$RUN_PID" || code=$?
  RUN_PID=""
  if [ "$code" -ne 0 ]; then echo "(exit code $code)"; fi
}

run validate campaigns/example.csv campaigns/example.json
echo
run import campaigns/example.json
run pause spring-renewals
run dnc add "+1 (555) 123-0002"
echo

# The callee: numbers ending 0-5 answer (and hang up after half a second), 6-7 are busy,
# 8 rings until our CANCEL, 9 declines. Stopped by its pid.
sipp -sf deploy/sipp/uas-mixed.xml -i 127.0.0.1 -p $SIPP_PORT -m 100 -nostdin -timeout 120s >"$WORK/sipp.log" 2>&1 &
SIPP_PID=$!
sleep 0.5

# Drop the CSV campaign into the folder and run once, as cron would; retries are 3 s apart.
cp campaigns/example.csv "$WORK/campaigns/"
UNTIL=$(date -d '+5 min' +%H:%M)
run_once "$WORK/run.log"
echo
echo "Log (first lines of $(wc -l < "$WORK/run.log")):"
head -8 "$WORK/run.log"
echo
echo "CDR summary (one record per attempt):"
"$BIN" --config "$WORK/campaignd.json" cdr --format csv > "$WORK/cdr.csv"
summary() {
python3 - "$@" <<'PY'
import csv, sys, collections
path, campaign, amd = sys.argv[1], sys.argv[2], sys.argv[3] == "amd"
rows = [row for row in csv.DictReader(open(path)) if campaign in ("", row["campaignId"])]
columns = [("campaignId", "campaign", 14), ("target", "target", 22), ("attempt", "try", 3), ("status", "status", 9),
           ("reasonCode", "reasonCode", 20), ("sipCode", "sip", 4), ("callDurationSec", "talk s", 6)]
if amd:
    columns[4:] = [("reasonCode", "reasonCode", 20), ("machineDetection", "machineDetection", 21),
                   ("amdDecisionMs", "decided ms", 10), ("beepDetected", "beep", 5), ("callDurationSec", "talk s", 6)]
print("  " + " ".join(title.ljust(width) for _, title, width in columns))
for row in rows:
    print("  " + " ".join(row[key].ljust(width) for key, _, width in columns))
counts = collections.Counter(row["reasonCode"] for row in rows)
print(f"  {len(rows)} attempts: " + ", ".join(f"{code} {count}" for code, count in counts.most_common()))
PY
}
summary "$WORK/cdr.csv" "" plain
kill "$SIPP_PID" 2>/dev/null || true
SIPP_PID=""

# Part 2: leave a voicemail on machines, play a greeting to people. The callee streams a person
# saying "Hello." for numbers ending 1 and an answering machine (greeting, then a beep) for 2.
echo
echo "Voicemail drop with answering-machine detection:"
mkdir -p "$WORK/campaigns/prompts"
PYTHONPATH=deploy/tools python3 - "$WORK/campaigns/prompts" <<'PY'
import sys
import g711
g711.tone_wav(f"{sys.argv[1]}/hello.wav", 660)
g711.tone_wav(f"{sys.argv[1]}/voicemail.wav", 440)
PY
cat > "$WORK/campaigns/voicemail-drop.json" <<'JSON'
{
  "name": "Voicemail drop", "trunk": "amd-lab", "machineDetection": "detect",
  "onHuman": { "play": "hello.wav" }, "onMachine": { "play": "voicemail.wav" }, "voicemailEndTimeoutSec": 20,
  "contacts": [ { "target": "+15557770001" }, { "target": "+15557770002" } ]
}
JSON
sed -e "s#@HUMAN@#$PWD/deploy/sipp/audio/human-hello.ulaw#" -e "s#@MACHINE@#$PWD/deploy/sipp/audio/machine-beep.ulaw#" \
  deploy/sipp/uas-amd-demo.xml.in > "$WORK/uas-amd-demo.xml"
sipp -sf "$WORK/uas-amd-demo.xml" -i 127.0.0.1 -mi 127.0.0.1 -p $AMD_PORT -m 2 -nostdin -timeout 60s >"$WORK/sipp-amd.log" 2>&1 &
AMD_PID=$!
sleep 0.5
run_once "$WORK/run-amd.log"
grep -E ' amd | playing prompt' "$WORK/run-amd.log" | cut -c12- || true
echo
echo "CDR summary (voicemail-drop):"
"$BIN" --config "$WORK/campaignd.json" cdr --format csv --campaign voicemail-drop > "$WORK/cdr-amd.csv"
summary "$WORK/cdr-amd.csv" voicemail-drop amd
kill "$AMD_PID" 2>/dev/null || true
AMD_PID=""

echo
if [ -z "${DEMO_KEEP:-}" ]; then
  echo "The demo's daemon has stopped, so the console at $CONSOLE is down, and the demo's files are removed."
  echo "To look around the console afterwards: DEMO_KEEP=1 bash deploy/demo.sh"
  exit 0
fi
# DEMO_KEEP=1: the daemon again, on the demo's data, with the mixed callee back so that a campaign
# uploaded in the console is dialed; stopped (and its callee) on Ctrl-C.
sipp -sf deploy/sipp/uas-mixed.xml -i 127.0.0.1 -p $SIPP_PORT -nostdin >"$WORK/sipp-keep.log" 2>&1 &
SIPP_PID=$!
"$BIN" --config "$WORK/campaignd.json" run 2>"$WORK/run-keep.log" &
RUN_PID=$!
if ! api_listening "$WORK/run-keep.log"; then
  echo "campaignd run did not start; its log:"
  cat "$WORK/run-keep.log"
  exit 1
fi
echo "campaignd run (pid $RUN_PID) serves the demo's data until Ctrl-C; numbers uploaded in the console are dialed"
echo "against the same SIPp callee (ending 0-5 answer, 6-7 busy, 8 no answer, 9 declined)."
echo "  ┌ web console: $CONSOLE   log in with the API key: $DEMO_SECRET"
echo "  └ log: $WORK/run-keep.log"
trap 'echo' INT
wait "$RUN_PID" || true
kill "$RUN_PID" 2>/dev/null || true
wait "$RUN_PID" 2>/dev/null || true
RUN_PID=""
echo "Stopped. The demo's files are kept in $WORK; to start the daemon and the console on them again:"
echo "  $BIN --config $WORK/campaignd.json run"

#!/usr/bin/env bash
# The demo: installs what is missing, builds campaignd, imports the example campaigns into a
# throw-away data directory, dials campaigns/example.csv against a SIPp callee on 127.0.0.1 whose
# answers depend on the number (answer, busy, no answer, decline), and prints the CDR summary.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
swift build --product campaignd
BIN=$(swift build --show-bin-path)/campaignd

WORK=$(mktemp -d /tmp/campaignd-demo.XXXXXX)
SIPP_PID=""
cleanup() { if [ -n "$SIPP_PID" ]; then kill "$SIPP_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT
SIPP_PORT=5062
cat > "$WORK/campaignd.json" <<JSON
{
  "campaignsDir": "$WORK/campaigns",
  "dataDir": "$WORK/var",
  "trunks": [{ "name": "carrier", "host": "127.0.0.1", "port": $SIPP_PORT }],
  "sip": { "bindAddress": "127.0.0.1", "port": 0 },
  "limits": { "dialoutLimitPerSecond": 10, "maxConcurrentCalls": 4 },
  "defaults": { "defaultCountryCode": "1", "timezone": "America/New_York", "trunk": "carrier",
                "caller": "+15550001111", "dialoutLimitPerSecond": 5, "answerTimeoutSec": 2,
                "maxRetryNo": 1, "retryIntervalSec": 3, "window": { "start": "00:00", "end": "24:00" } },
  "dialoutAllowedCallers": ["+15550001111"]
}
JSON
mkdir -p "$WORK/campaigns"
cp -r campaigns/lists "$WORK/campaigns/"
run() { echo "\$ campaignd $*"; "$BIN" --config "$WORK/campaignd.json" "$@"; }

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
echo "\$ campaignd run --once --until $UNTIL"
"$BIN" --config "$WORK/campaignd.json" run --once --until "$UNTIL" 2>"$WORK/run.log" || echo "(exit code $?)"
echo
echo "Log (first lines of $(wc -l < "$WORK/run.log")):"
head -8 "$WORK/run.log"
echo
echo "CDR summary (one record per attempt):"
"$BIN" --config "$WORK/campaignd.json" cdr --format csv > "$WORK/cdr.csv"
python3 - "$WORK/cdr.csv" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
columns = [("campaignId", "campaign", 10), ("target", "target", 22), ("attempt", "try", 3), ("status", "status", 9),
           ("reasonCode", "reasonCode", 20), ("sipCode", "sip", 4), ("callDurationSec", "talk s", 6)]
print("  " + " ".join(title.ljust(width) for _, title, width in columns))
for row in rows:
    print("  " + " ".join(row[key].ljust(width) for key, _, width in columns))
counts = collections.Counter(row["reasonCode"] for row in rows)
print(f"  {len(rows)} attempts: " + ", ".join(f"{code} {count}" for code, count in counts.most_common()))
PY
kill "$SIPP_PID" 2>/dev/null || true
SIPP_PID=""

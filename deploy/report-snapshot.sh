#!/usr/bin/env bash
# Renders a campaign report as a person sees it: dials a 300-contact campaign against a local SIPp
# callee with mixed outcomes (deploy/sipp/uas-mixed.xml), writes the HTML report with
# `run --once --report-dir`, and has headless Chromium take a PNG of it (no network needed).
#
# Usage: bash deploy/report-snapshot.sh [OUT.png]   (default ./campaign-report.png)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
OUT=$(realpath -m "${1:-campaign-report.png}")
swift build --product campaignd >&2
BIN=$(swift build --show-bin-path)/campaignd
WORK=$(mktemp -d /tmp/campaignd-report.XXXXXX)
SIPP_PID=""
cleanup() { if [ -n "$SIPP_PID" ]; then kill "$SIPP_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=5064
mkdir -p "$WORK/campaigns"
python3 -c "
with open('$WORK/campaigns/spring-sale.csv', 'w') as f:
    f.write('target\n')
    for i in range(300): f.write(f'+1555444{i:04d}\n')"
cat > "$WORK/campaignd.json" <<JSON
{"campaignsDir": "$WORK/campaigns", "dataDir": "$WORK/var",
 "trunks": [{"name": "sipp", "host": "127.0.0.1", "port": $PORT}],
 "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
 "limits": {"dialoutLimitPerSecond": 50, "maxConcurrentCalls": 40},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "dialoutLimitPerSecond": 50, "answerTimeoutSec": 1,
              "maxRetryNo": 1, "retryIntervalSec": 2, "window": {"start": "00:00", "end": "24:00"}}}
JSON
sipp -sf deploy/sipp/uas-mixed.xml -i 127.0.0.1 -p $PORT -nostdin -timeout 120s >"$WORK/sipp.log" 2>&1 &
SIPP_PID=$!
sleep 0.5
"$BIN" --config "$WORK/campaignd.json" run --once --report-dir "$WORK/reports" 2>"$WORK/run.log" || true
REPORT=$(ls "$WORK"/reports/*.html)
"$BIN" --config "$WORK/campaignd.json" report spring-sale
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1500 --screenshot="$OUT" "file://$REPORT" 2>/dev/null
echo "report rendered to $OUT"

#!/usr/bin/env bash
# The demo: installs what is missing, builds campaignd, validates and imports the example
# campaigns into a throw-away queue, shows their status, and places two single calls to a SIPp
# callee on 127.0.0.1 (one answered, one busy).
#
# Dialing whole campaigns and the CDR summary come with the dispatcher (README "Status").
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
swift build --product campaignd
BIN=$(swift build --show-bin-path)/campaignd

WORK=$(mktemp -d /tmp/campaignd-demo.XXXXXX)
SIPP_PID=""
cleanup() { [ -n "$SIPP_PID" ] && kill "$SIPP_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
SIPP_PORT=5062
cat > "$WORK/campaignd.json" <<JSON
{
  "campaignsDir": "$PWD/campaigns",
  "dataDir": "$WORK/var",
  "trunks": [{ "name": "carrier", "host": "127.0.0.1", "port": $SIPP_PORT }],
  "sip": { "bindAddress": "127.0.0.1" },
  "defaults": { "defaultCountryCode": "1", "timezone": "America/New_York", "trunk": "carrier" },
  "dialoutAllowedCallers": ["+15550001111"]
}
JSON
run() { echo "\$ campaignd $*"; "$BIN" --config "$WORK/campaignd.json" "$@"; echo; }

run validate campaigns/example.csv campaigns/example.json
run import campaigns/example.csv campaigns/example.json
run import campaigns/example.csv
run dnc add "+1 (555) 123-0002"
run pause spring-renewals
run status

# A SIPp callee for one call at a time, stopped by its pid.
callee() {
  sipp -sf "$1" -i 127.0.0.1 -p $SIPP_PORT -m 1 -nostdin -timeout 20s >"$WORK/sipp.log" 2>&1 &
  SIPP_PID=$!
  sleep 0.5
}
finish_callee() {
  if wait "$SIPP_PID"; then echo "(SIPp: scenario passed)"; else echo "(SIPp: scenario FAILED, see $WORK/sipp.log)"; fi
  SIPP_PID=""
  echo
}

callee deploy/sipp/uas-answer.xml
run call +15551230001 --caller +15550001111 --hangup-after 1 || true
finish_callee

sed 's/@CODE@/486/; s/@REASON@/Busy Here/' deploy/sipp/uas-reject.xml.in > "$WORK/uas-busy.xml"
callee "$WORK/uas-busy.xml"
run call 555-123-0002 --caller +15550001111 || echo "(exit code $?: not answered)"
finish_callee
echo "Dialing whole campaigns (campaignd run) and the CDR summary come with the dispatcher."

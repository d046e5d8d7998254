#!/usr/bin/env bash
# The demo: installs what is missing, builds campaignd, validates and imports the example
# campaigns into a throw-away queue and shows their status.
#
# Placing the calls against a local SIPp callee and printing the CDR summary comes with the
# dispatcher (see README "Status"); until then the demo stops after import and status.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
swift build --product campaignd
BIN=$(swift build --show-bin-path)/campaignd

WORK=$(mktemp -d /tmp/campaignd-demo.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/campaignd.json" <<JSON
{
  "campaignsDir": "$PWD/campaigns",
  "dataDir": "$WORK/var",
  "trunks": [{ "name": "carrier", "host": "127.0.0.1", "port": 5062 }],
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
echo "Dialing is not built yet: 'campaignd run' and 'campaignd call' arrive with the SIP dialer and dispatcher."

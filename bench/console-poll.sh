#!/usr/bin/env bash
# What the web console's polls cost on a big data directory: the daemon's CPU (ms per request, its
# idle CPU taken off) and the wall time of GET /v1/campaigns and GET /v1/status (polled every second),
# one campaign (opened once per visit to its page) and GET /v1/cdrs?campaign=ID&last=20 (every 2 s
# on a campaign's page), each asked REQUESTS times in a row on one keep-alive connection.
#
# The data directory: three campaigns imported with `campaignd import` (old, a few numbers: 1%;
# spring: 75%; summer, the newest: 24%), one finished attempt per contact written into the database
# by bench/console_poll.py (see there), and the CDR files written from those rows by the daemon's own
# CDR writer when it starts.
#
# Usage: bench/console-poll.sh [ATTEMPTS]   (default 200,000; REQUESTS=100)
set -euo pipefail
cd "$(dirname "$0")/.."
ATTEMPTS=${1:-200000}
REQUESTS=${REQUESTS:-100}
source bench/lib.sh
bench_start console-poll
KEY=bench-console-secret-0123456789
API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DIR=$PWD/$OUT
write_finished_data "$DIR" "$ATTEMPTS" "$API_PORT" "$KEY"

"$BIN" --config "$DIR/campaignd.json" run >"$DIR/run.out" 2>"$DIR/run.log" &
DAEMON=$!
pids+=($DAEMON)
wait_for "grep -q 'HTTP API listening' '$DIR/run.log'" 30 "the API"
# The CDR writer writes every line at start; measured once it has.
wait_for "[ \$(cat '$DIR'/var/cdr/cdr-*.jsonl 2>/dev/null | wc -l) -ge $ATTEMPTS ]" 300 "the CDR files"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)"
echo "data: $ATTEMPTS attempts, $(ls "$DIR"/var/cdr/cdr-*.jsonl | wc -l) CDR files, $(du -sh "$DIR/var/cdr" | cut -f1) of CDRs, database $(du -sh "$DIR/var/campaignd.db" | cut -f1)"
python3 bench/console_poll.py measure "$DAEMON" "$API_PORT" "$KEY" "$REQUESTS" \
  /v1/campaigns /v1/status /v1/campaigns/summer \
  "/v1/cdrs?campaign=summer&last=20" "/v1/cdrs?campaign=old&last=20" "/v1/cdrs?last=20"

#!/usr/bin/env bash
# HTTP API benchmark: calls accepted per second by `POST /v1/calls` (each 201 sent only after its
# call is committed to SQLite) over keep-alive connections from wrk, with latency percentiles, and
# p50/p99 at about 1,000 requests/s; while it runs the daemon dials the accepted calls at its
# configured rate to a SIPp callee, and the rate it keeps is measured from its log. The ceiling is
# nginx answering the same requests with a static 201, measured in the same run on the same cores.
#
# Usage: bench/api.sh [SECONDS] [DIAL_RATE]   (default 10 s per measurement, dialing at 200 calls/s)
#        AFTER=1 measures about 1,000/s once more, behind the queue the maximum left
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
DURATION=${1:-10}
DIAL_RATE=${2:-200}
source bench/lib.sh
bench_start api
API_PORT=18191
NGINX_PORT=18192
SIP_PORT=5093
CONNECTIONS=${CONNECTIONS:-64}

# Waits (10 s at most) until something listens on TCP port $1.
wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

cat > "$OUT/post.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/v1/calls"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-secret-0123456789"
wrk.body = '{"target": "+15550100000", "metadata": {"source": "bench"}}'
-- With PACE_MS set, each connection waits that long after a response before its next request.
local pace = tonumber(os.getenv("PACE_MS") or "0")
function delay() return pace end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.2f rate=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA

# The reference: nginx answering POST /v1/calls with a static 201 (2 workers, no access log).
mkdir -p "$OUT/nginx"
cat > "$OUT/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $PWD/$OUT/nginx/nginx.pid;
error_log $PWD/$OUT/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $PWD/$OUT/nginx/body;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 201 '{"id":"1","conversationId":"00000000-0000-0000-0000-000000000000","campaign":"api","state":"queued"}'; }
  }
}
NGINX
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -c "$PWD/$OUT/nginx/nginx.conf"
# Everything started here is stopped by pid, and waited for, so that the next run finds its ports free.
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
      [ -f "$OUT/nginx/nginx.pid" ] && kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true' EXIT
wait_for_port $NGINX_PORT

# The daemon: the API, and a trunk to a SIPp callee it dials the accepted calls to at DIAL_RATE.
sipp -sn uas -i 127.0.0.1 -p $SIP_PORT -nostdin >"$OUT/uas.log" 2>&1 &
pids+=($!)
DIR="$OUT/daemon"
mkdir -p "$DIR/campaigns"
cat > "$DIR/campaignd.json" <<JSON
{"campaignsDir": "$PWD/$DIR/campaigns", "dataDir": "$PWD/$DIR/var",
 "trunks": [{"name": "sipp", "host": "127.0.0.1", "port": $SIP_PORT}],
 "sip": {"bindAddress": "127.0.0.1", "port": 0},
 "limits": {"dialoutLimitPerSecond": $DIAL_RATE, "maxConcurrentCalls": 0},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "dialoutLimitPerSecond": $DIAL_RATE, "maxConcurrentCalls": 0,
              "maxCallDurationSec": 1, "maxRetryNo": 0, "window": {"start": "00:00", "end": "24:00"}},
 "api": {"listen": "127.0.0.1:$API_PORT", "maxConnections": 1024,
         "keys": [{"name": "bench", "secret": "bench-secret-0123456789", "scopes": ["calls", "read"]}]}}
JSON
"$BIN" --config "$DIR/campaignd.json" run >"$DIR/run.out" 2>"$DIR/run.log" &
DAEMON=$!
pids+=($DAEMON)
wait_for_port $API_PORT

measure() {  # NAME PORT CONNECTIONS PACE_MS
  PACE_MS=$4 wrk -t2 -c"$3" -d"${DURATION}s" --timeout 5s -s "$OUT/post.lua" "http://127.0.0.1:$2/v1/calls" >"$OUT/$1.txt" 2>&1
  grep '^RESULT' "$OUT/$1.txt" | sed "s/^RESULT/$1/"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
# About 1,000/s first, while the queue is short; then the maximum, which leaves a long queue behind;
# then (AFTER=1) about 1,000/s again behind that queue.
measure nginx-1000 $NGINX_PORT 10 8
measure campaignd-1000 $API_PORT 10 8
measure nginx-max $NGINX_PORT "$CONNECTIONS" 0
START_MS=$(date +%s%3N)
measure campaignd-max $API_PORT "$CONNECTIONS" 0
END_MS=$(date +%s%3N)
if [ "${AFTER:-0}" = 1 ]; then measure campaignd-1000-after $API_PORT 10 8; fi

# Calls dialed per second while the maximum load ran (the daemon's "dialing" lines in that window).
python3 - "$DIR/run.log" "$START_MS" "$END_MS" "$DIAL_RATE" <<'PY'
import sys, datetime
log, start, end, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
def ms(stamp):
    return int(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
accepted = dialed = 0
for line in open(log):
    parts = line.split(" ", 3)
    if len(parts) < 4: continue
    t = ms(parts[0])
    if not (start <= t <= end): continue
    if parts[2] == "dialing": dialed += 1
    elif "api request" in line and "status=201" in line: accepted += 1
seconds = (end - start) / 1000
print(f"during campaignd-max: {accepted} calls accepted ({accepted / seconds:.0f}/s), {dialed} dialed ({dialed / seconds:.1f}/s, configured {rate:g}/s)")
PY

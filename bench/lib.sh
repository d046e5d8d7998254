# Shared by the bench scripts (sourced): a release build, and the processes a script starts killed
# by pid when it exits.

# bench_start NAME: sets OUT (bench/out/NAME, emptied), BIN (release campaignd, or CAMPAIGND_BIN when
# set) and `pids`.
bench_start() {
  OUT=bench/out/$1
  rm -rf "$OUT" && mkdir -p "$OUT"
  if [ -n "${CAMPAIGND_BIN:-}" ]; then
    # A binary built elsewhere (an A/B comparison of two builds in one sitting).
    BIN=$CAMPAIGND_BIN
  else
    swift build -c release --product campaignd >&2
    BIN=$(swift build -c release --show-bin-path)/campaignd
  fi
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
}

# write_contacts PATH COUNT: a contacts CSV of COUNT numbers, +15550000000 up.
write_contacts() {
  python3 -c "
with open('$1', 'w') as f:
    f.write('target\n')
    for i in range($2): f.write(f'+1555{i:07d}\n')"
}

# write_finished_data DIR ATTEMPTS API_PORT KEY: DIR/campaignd.json (an API on API_PORT with a read
# key KEY, a trunk nothing answers, windows always open, no retries) and DIR/var holding three
# campaigns imported with `campaignd import` (old, a few numbers: 1%; spring: 75%; summer, the newest:
# 24%) with one finished attempt per contact, written by bench/console_poll.py fill: nothing to dial.
write_finished_data() {
  local dir=$1 attempts=$2 api_port=$3 key=$4
  mkdir -p "$dir/campaigns"
  # Nothing is left to dial; the trunk is a port nothing answers on.
  cat > "$dir/campaignd.json" <<JSON
{"campaignsDir": "$dir/campaigns", "dataDir": "$dir/var",
 "trunks": [{"name": "sipp", "host": "127.0.0.1", "port": 9}],
 "sip": {"bindAddress": "127.0.0.1", "port": 0},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "maxRetryNo": 0, "window": {"start": "00:00", "end": "24:00"}},
 "api": {"listen": "127.0.0.1:$api_port", "keys": [{"name": "bench", "secret": "$key", "scopes": ["read"]}]}}
JSON
  local old=$((attempts / 100)) summer=$((attempts * 24 / 100))
  local spring=$((attempts - old - summer))
  write_contacts "$dir/old.csv" $old
  write_contacts "$dir/spring.csv" $spring
  write_contacts "$dir/summer.csv" $summer
  "$BIN" --config "$dir/campaignd.json" import "$dir/old.csv" "$dir/spring.csv" "$dir/summer.csv" >"$dir/import.out"
  python3 bench/console_poll.py fill "$dir/var/campaignd.db" old spring summer
}

# realtime_capturer: sets CAPTURER to the command prefix for a packet capture beside campaignd's
# event loops: SCHED_RR one above REALTIME when they run real-time (a starved dumpcap drops packets),
# else nothing.
realtime_capturer() {
  if [ "${REALTIME:-0}" -gt 0 ]; then CAPTURER=(chrt -r $((REALTIME + 1))); else CAPTURER=(); fi
}

# write_media_config TRUNK PORT RATE: OUT/campaignd.json for a media bench: campaigns in OUT/campaigns,
# one trunk at 127.0.0.1:PORT, RTP on 22000-30999, RATE calls/s and no concurrency limit; with
# REALTIME > 0, the event loops run SCHED_RR at that priority (runtime.realtimePriority).
write_media_config() {
  cat > "$OUT/campaignd.json" <<JSON
{"campaignsDir": "$PWD/$OUT/campaigns", "dataDir": "$PWD/$OUT/var",
 "trunks": [{"name": "$1", "host": "127.0.0.1", "port": $2}],
 "sip": {"bindAddress": "127.0.0.1", "port": 0, "rtpPortMin": 22000, "rtpPortMax": 30999},
 "limits": {"dialoutLimitPerSecond": $3, "maxConcurrentCalls": 0, "drainTimeoutSec": 10},
 $([ "${REALTIME:-0}" -gt 0 ] && echo "\"runtime\": {\"realtimePriority\": $REALTIME},")
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
JSON
}

# write_dial_campaign DIR COUNT RATE PORT [SECONDS]: DIR/campaigns/bench.csv with COUNT numbers and
# DIR/campaignd.json dialing them at RATE calls/s (global and campaign limit, no concurrency limit)
# through a trunk at 127.0.0.1:PORT; calls are hung up after SECONDS (default 1) and never retried.
write_dial_campaign() {
  local dir=$1 count=$2 rate=$3 port=$4 seconds=${5:-1}
  mkdir -p "$dir/campaigns"
  write_contacts "$dir/campaigns/bench.csv" "$count"
  cat > "$dir/campaignd.json" <<JSON
{"campaignsDir": "$PWD/$dir/campaigns", "dataDir": "$PWD/$dir/var",
 "trunks": [{"name": "sipp", "host": "127.0.0.1", "port": $port}],
 "sip": {"bindAddress": "127.0.0.1", "port": 0},
 "limits": {"dialoutLimitPerSecond": $rate, "maxConcurrentCalls": 0},
 "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "dialoutLimitPerSecond": $rate, "maxConcurrentCalls": 0,
              "maxCallDurationSec": $seconds, "maxRetryNo": 0, "window": {"start": "00:00", "end": "24:00"}}}
JSON
}

# wait_for TEST SECONDS WHAT: polls TEST every 0.1 s until it succeeds, or fails the run.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1"; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out after $2 s waiting for $3" >&2; exit 1; fi
    sleep 0.1
  done
}

# start_timed_run PEER_PID: `campaignd run --once` with OUT/campaignd.json under /usr/bin/time
# (OUT/time.txt: elapsed, user, system, max RSS), its output in OUT/run.out and OUT/run.log, and a
# sampler of its and PEER_PID's CPU and memory (OUT/samples.csv). Sets started, TIMER, CAMPAIGND
# and SAMPLER.
start_timed_run() {
  started=$(date +%s.%N)
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$BIN" --config "$OUT/campaignd.json" run --once >"$OUT/run.out" 2>"$OUT/run.log" &
  TIMER=$!
  pids+=($TIMER)
  wait_for "pgrep -P $TIMER >/dev/null" 10 "campaignd to start"
  CAMPAIGND=$(pgrep -P $TIMER)
  pids+=($CAMPAIGND)
  python3 bench/media_concurrency.py sample "$OUT/samples.csv" "$CAMPAIGND" "$1" &
  SAMPLER=$!
  pids+=($SAMPLER)
}

#!/usr/bin/env bash
# CPU per call: `campaignd run --once` dialing COUNT contacts at RATE calls/s against a SIPp callee
# (`sipp -sn uas`, campaignd hangs up after CALL_SECONDS), under /usr/bin/time: user + system CPU seconds,
# divided by the calls, and the peak resident memory. RUNS runs, one line each; take the lowest,
# since other work on a shared machine only ever adds. With perf installed, PERF_STAT=1 also counts
# the system calls that matter per call (WAL writes, file locks, futex wake-ups, context switches).
# Reference in the same run: SIPp's own caller (`sipp -sn uac`) placing the same calls, its CPU.
#
# CALL_SECONDS=N keeps each call up N seconds (default 1): with N long enough, all COUNT calls are up
# at once, and the peak RSS measures memory per call in progress (SIPp's caller: same duration).
#
# Usage: bench/cpu-per-call.sh [RATE] [COUNT] [RUNS]   (default 3000 20000 3). Traffic stays on 127.0.0.1.
# BEFORE_BIN=path/to/older/campaignd: each run also measures that build, right after this one.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
command -v /usr/bin/time >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >/dev/null 2>&1
RATE=${1:-3000}
COUNT=${2:-20000}
RUNS=${3:-3}
CALL_SECONDS=${CALL_SECONDS:-1}
source bench/lib.sh
bench_start cpu-per-call
PORT=5094

echo "rate $RATE/s, $COUNT contacts, calls of $CALL_SECONDS s, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
for run in $(seq 1 "$RUNS"); do
  for pair in "after:$BIN" ${BEFORE_BIN:+"before:$BEFORE_BIN"}; do
    label=${pair%%:*}; bin=${pair#*:}
    dir="$OUT/run-$run-$label"
    write_dial_campaign "$dir" "$COUNT" "$RATE" "$PORT" "$CALL_SECONDS"
    sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin >"$dir/uas.log" 2>&1 &
    callee=$!
    pids+=($callee)
    sleep 1
    if [ "${PERF_STAT:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
      perf stat -x, -o "$dir/perf.csv" -e syscalls:sys_enter_pwrite64,syscalls:sys_enter_fcntl,syscalls:sys_enter_futex,syscalls:sys_enter_getrandom,context-switches \
        /usr/bin/time -f "%U %S %M" -o "$dir/time.txt" "$bin" --config "$dir/campaignd.json" run --once >"$dir/run.out" 2>"$dir/run.log" || true
    else
      /usr/bin/time -f "%U %S %M" -o "$dir/time.txt" "$bin" --config "$dir/campaignd.json" run --once >"$dir/run.out" 2>"$dir/run.log" || true
    fi
    kill "$callee" 2>/dev/null || true
    wait "$callee" 2>/dev/null || true
    read -r user sys rss < "$dir/time.txt"
    completed=$(grep -c 'reason_code=max-duration' "$dir/run.log" || true)
    line=$(python3 -c "print(f'run $run ($label): {$completed} of {$COUNT} calls completed, CPU {$user + $sys:.2f} s (user {$user}, system {$sys}), {($user + $sys) * 1000 / $COUNT:.3f} ms per call, peak RSS {$rss / 1024:.0f} MB')")
    if [ -f "$dir/perf.csv" ]; then
      line+=$(python3 -c "
import csv
counts = {}
for row in csv.reader(open('$dir/perf.csv')):
    if len(row) > 2 and row[0].strip().isdigit(): counts[row[2].split(':')[-1]] = int(row[0])
print('; per call: ' + ', '.join(f'{name.replace(\"sys_enter_\", \"\")} {value / $COUNT:.2f}' for name, value in counts.items()))")
    fi
    echo "$line"
    sleep 1
  done
done

# Reference, same machine and run: SIPp's own caller placing the same calls against a fresh callee.
sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin >"$OUT/uas-reference.log" 2>&1 &
callee=$!
pids+=($callee)
sleep 1
/usr/bin/time -f "%U %S %M" -o "$OUT/sipp-time.txt" sipp -sn uac 127.0.0.1:$PORT -i 127.0.0.1 -p 5095 -r "$RATE" -m "$COUNT" -d $((CALL_SECONDS * 1000)) \
  -nostdin -timeout 300s >"$OUT/uac.log" 2>&1 || true
kill "$callee" 2>/dev/null || true
wait "$callee" 2>/dev/null || true
read -r user sys rss < "$OUT/sipp-time.txt"
python3 -c "print(f'reference, SIPp uac: CPU {$user + $sys:.2f} s (user {$user}, system {$sys}), {($user + $sys) * 1000 / $COUNT:.3f} ms per call, peak RSS {$rss / 1024:.0f} MB')"

#!/usr/bin/env bash
# CDR torture (issue 14): campaignd dialing CONTACTS numbers at RATE calls/s with mixed outcomes and
# retries against a SIPp callee, killed with SIGKILL KILLS times at random moments and started again
# until done; then full disks (small tmpfs mounts, mounted and unmounted here: needs root):
#   diskfull-pause  the data directory on a tmpfs filled by a ballast file: dialing pauses under
#                   limits.minFreeDiskMB, the ballast goes 3 s later, dialing resumes by itself
#   diskfull-cdr    the CDR folder on a 512 KB tmpfs (minFreeDiskMB 0): CDR writes fail with ENOSPC
#                   (torn writes cut back), dialing pauses, the tmpfs grows 3 s later, dialing resumes
#   diskfull-hard   the data directory really full (minFreeDiskMB 0, onDiskFull "exit"): SQLite
#                   fails first, campaignd exits 4, the ballast goes and it is started again
# Each run checks, from the capture, SIPp's statistics, the CDR files and the
# database, that every INVITE has exactly one CDR line and that nothing is lost, doubled or torn
# (bench/torture.py); the script fails if any run does not.
#
# Usage: nice -n 10 bench/torture.sh            (CONTACTS=20000 RATE=400 KILLS=40 by default)
#        RUNS="crash" bench/torture.sh          (some of: crash diskfull-pause diskfull-cdr diskfull-hard)
#        DISK_CONTACTS=10000 for the disk runs
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
source bench/lib.sh
bench_start torture
CONTACTS=${CONTACTS:-20000}
RATE=${RATE:-400}
KILLS=${KILLS:-40}
TMPFS_MB=${TMPFS_MB:-48}
DISK_CONTACTS=${DISK_CONTACTS:-10000}
RUNS=${RUNS:-"crash diskfull-pause diskfull-cdr diskfull-hard"}
mounted=""
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; [ -z "$mounted" ] || umount "$mounted" 2>/dev/null || true' EXIT

status=0
for run in $RUNS; do
  dir="$OUT/$run"
  mkdir -p "$dir"
  case $run in
    crash)
      python3 bench/torture.py --bin "$BIN" --out "$dir" --contacts "$CONTACTS" --rate "$RATE" --kills "$KILLS" --port 5094 \
        >"$dir/result.json" || status=1 ;;
    diskfull-cdr)
      python3 bench/torture.py --bin "$BIN" --out "$dir" --contacts "$DISK_CONTACTS" --rate "$RATE" --kills 0 --port 5098 \
        --min-free-mb 0 --cdr-tmpfs-kb 512 >"$dir/result.json" || status=1 ;;
    diskfull-pause|diskfull-hard)
      mkdir -p "$dir/var"
      mount -t tmpfs -o size=${TMPFS_MB}m tmpfs "$dir/var"
      mounted="$dir/var"
      if [ $run = diskfull-pause ]; then extra=(--min-free-mb 2 --leave-free-mb 8 --on-disk-full pause)
      else extra=(--min-free-mb 0 --leave-free-mb 6 --on-disk-full exit); fi
      python3 bench/torture.py --bin "$BIN" --out "$dir" --data "$dir/var" --contacts "$DISK_CONTACTS" --rate "$RATE" --kills 0 \
        --port 5096 --disk-full "${extra[@]}" >"$dir/result.json" || status=1
      cp "$dir/var/campaignd.db" "$dir/campaignd.db" 2>/dev/null || true
      umount "$dir/var"
      mounted="" ;;
  esac
  echo "$run: $(cat "$dir/result.json")"
done
echo "load during the run: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"
exit $status

#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer harnesses in Fuzz/ (a separate package, never part of the normal
# build) with -sanitize=fuzzer,address and runs each for MINUTES, one after another, on a copy of
# its seed corpus from Fuzz/Corpus/<target> in bench/out/fuzz/<target>/corpus (the checked-in seeds
# stay small). Prints one line per target: runs, runs/s, edges (libFuzzer's `cov`), features, corpus
# size, peak RSS and the result; exits non-zero if any target crashed, leaked, ran out of memory or
# timed out. Crash inputs are left in bench/out/fuzz/<target>/artifacts/.
#
# Usage: bench/fuzz.sh [MINUTES] [TARGET...]   (default 1 minute, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-1}
shift || true
# libFuzzer takes -max_total_time=0 as "no limit": insist on a whole number of minutes, at least 1.
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/fuzz.sh [MINUTES >= 1] [TARGET...]" >&2; exit 2; }
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(FuzzSIPMessage FuzzSDP FuzzDigestChallenge FuzzSIPURI FuzzCampaignCSV FuzzCampaignJSON FuzzConfigJSON FuzzHTTPRequest FuzzHTTPResponse)
fi
OUT=bench/out/fuzz
mkdir -p "$OUT"

# -parse-as-library: a harness has no top-level code; its <Module>_main (where SwiftPM points `main`)
# hands the command line to libFuzzer's LLVMFuzzerRunDriver.
swift build -c debug --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 \
  | grep -v "Cannot export local symbol" >&2
BIN=$(swift build -c debug --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)
export SWIFT_BACKTRACE=enable=no

failed=0
rows=()
for target in "${TARGETS[@]}"; do
  dir=$OUT/$target
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  cp Fuzz/Corpus/"$target"/* "$dir/corpus/"
  echo "fuzzing $target for $MINUTES min" >&2
  status=0
  "$BIN/$target" -max_total_time=$((MINUTES * 60)) -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" > "$dir/log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
  [ -n "$runs" ] || runs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  edges=$(grep -oE 'cov: [0-9]+' <<<"$last" | cut -d' ' -f2)
  features=$(grep -oE 'ft: [0-9]+' <<<"$last" | cut -d' ' -f2)
  corpus=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" | cut -d' ' -f2)
  artifacts=$(find "$dir/artifacts" -type f | wc -l)
  if [ "$status" -eq 0 ] && [ "$artifacts" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status, $artifacts artifact(s); see $dir/log)"
    failed=1
  fi
  rows+=("$(printf '| %s | %s | %s | %s | %s | %s | %s MB | %s |' "$target" "${runs:-?}" "${rate:-?}" "${edges:-?}" "${features:-?}" "${corpus:-?}" "${rss:-?}" "$result")")
done

echo "| target | runs | runs/s | edges (cov) | features | corpus (inputs/bytes) | peak RSS | result |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
exit $failed

#!/usr/bin/env bash
# Answering-machine detection on the labelled corpora: the report the AMD issues ask for (confusion
# matrix, accuracy, humans called machines, decision times, beep delays) for each corpus, a per-kind
# and per-condition table where the labels have `kind` and `condition` (dev-hard, dev-real), then
# each corpus changed the way real lines change audio, to see the defaults are not tuned to one
# level, alignment or line: quiet (-12 dB), loud (+6 dB, clipping), noisy (Gaussian, about -38 dBov
# on top), shifted by half a frame (10 ms), loss5 (5 % of packets digital silence) and babble (two
# other clips of the corpus mixed 15 dB under). The variants are made here (bench/amd_tools.py).
# With espeak-ng and sox installed, bench/amd-generate.py also makes a corpus of its own (other
# phrases, voices and conditions) and it is scored the same way, then two more with other seeds
# (without variants). Last, the detector's cost.
#
# Usage: bench/amd.sh [CORPUS_DIR...]   (default ../shared/amd/dev ../shared/amd/dev-hard ../shared/amd/dev-real)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
python3 -c 'import numpy' 2>/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends python3-numpy >/dev/null; }
if [ $# -eq 0 ]; then set -- ../shared/amd/dev ../shared/amd/dev-hard ../shared/amd/dev-real; fi
OUT=bench/out/amd
rm -rf "$OUT" && mkdir -p "$OUT"
swift build -c release --product campaignd >&2
BIN=$(swift build -c release --show-bin-path)/campaignd
VARIANTS="quiet loud noisy shifted loss5 babble"

report() {  # report NAME DIR LABELS [VARIANTS]: the full report, the per-kind table, the variants' summaries
  local name=$1 dir=$2 labels=$3 variants=${4-$VARIANTS}
  echo "== corpus: $name ($dir)"
  "$BIN" amd --labels "$labels" "$dir"/*.wav > "$OUT/$name.txt"
  sed -n '/^label/,$p' "$OUT/$name.txt"
  "$BIN" amd --json --labels "$labels" "$dir"/*.wav > "$OUT/$name.jsonl"
  echo
  python3 bench/amd_tools.py table "$labels" "$OUT/$name.jsonl"
  [ -n "$variants" ] || return 0
  python3 bench/amd_tools.py variants "$dir" "$OUT/variants-$name" $variants
  for variant in $variants; do
    echo "-- $name, variant $variant: $("$BIN" amd --labels "$labels" "$OUT/variants-$name/$variant"/*.wav \
      | grep -E '^(human/machine|humans called|fax and|human decision after greeting|beeps reported)' \
      | sed -e 's/human decision after greeting end/after greeting/' | paste -sd';' -)"
  done
  rm -rf "${OUT:?}/variants-$name"
  echo
}

for corpus in "$@"; do
  dir=$(cd "$corpus" && pwd)
  report "$(basename "$dir")" "$dir" "$dir/labels.csv"
done

if command -v espeak-ng >/dev/null && command -v sox >/dev/null; then
  python3 bench/amd-generate.py "$OUT/generated" >&2
  report generated "$OUT/generated" "$OUT/generated/labels.csv"
  # The same generator with other seeds: other picks of phrase, voice, rate, pitch, noise and timing.
  for seed in 7 11; do
    python3 bench/amd-generate.py "$OUT/generated-$seed" "$seed" >&2
    report "generated-$seed" "$OUT/generated-$seed" "$OUT/generated-$seed/labels.csv" ""
  done
else
  echo "(no espeak-ng/sox: the generated corpus is skipped; apt-get install espeak-ng sox)"
fi

echo "== cost (release build, one core, user CPU time)"
for corpus in "$@"; do
  dir=$(cd "$corpus" && pwd)
  seconds=$(python3 -c "import csv,sys; print(sum(float(r['duration_s']) for r in csv.DictReader(open(sys.argv[1]))))" "$dir/labels.csv")
  cpu=$( { /usr/bin/time -f '%U' "$BIN" amd "$dir"/*.wav >/dev/null; } 2>&1 | tail -1)
  echo "$(basename "$dir"): $seconds s of audio in $cpu s CPU: $(python3 -c "print(round($seconds / max($cpu, 0.01)))") x real time"
done

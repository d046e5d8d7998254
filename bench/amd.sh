#!/usr/bin/env bash
# Answering-machine detection on the labelled development corpus: the report the AMD issue asks for
# (confusion matrix, accuracy, humans called machines, decision times, beep delays), then the same
# corpus changed the way real lines change audio, to see the defaults are not tuned to one level:
# quiet (-12 dB), loud (+6 dB, clipping), extra noise (Gaussian, about -38 dBov on top of the
# clip's own) and shifted by half a frame (10 ms). The variants are made here, from the corpus.
#
# Usage: bench/amd.sh [CORPUS_DIR]   (default ../shared/amd/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
CORPUS=$(cd "${1:-../shared/amd/dev}" && pwd)
OUT=bench/out/amd
rm -rf "$OUT" && mkdir -p "$OUT"
swift build -c release --product campaignd >&2
BIN=$(swift build -c release --show-bin-path)/campaignd

echo "== corpus: $CORPUS"
"$BIN" amd --labels "$CORPUS/labels.csv" "$CORPUS"/*.wav | tee "$OUT/report.txt" | sed -n '/^label/,$p'
"$BIN" amd --json --labels "$CORPUS/labels.csv" "$CORPUS"/*.wav > "$OUT/report.jsonl"

PYTHONPATH=deploy/tools python3 - "$CORPUS" "$OUT" <<'PY'
import os, random, struct, sys
from g711 import TABLE as table, encode
corpus, out = sys.argv[1], sys.argv[2]
random.seed(7)
for name, gain, noise, drop in [("quiet", 0.25, 0, 0), ("loud", 2.0, 0, 0), ("noisy", 1.0, 400, 0), ("shifted", 1.0, 0, 80)]:
    os.makedirs(f"{out}/{name}", exist_ok=True)
    for f in sorted(os.listdir(corpus)):
        if not f.endswith(".wav"): continue
        d = open(f"{corpus}/{f}", "rb").read()
        i = d.find(b"data"); n = struct.unpack("<I", d[i + 4:i + 8])[0]
        body = bytes(encode(table[c] * gain + random.gauss(0, noise)) if (gain != 1 or noise) else c
                     for c in d[i + 8 + drop:i + 8 + n])
        open(f"{out}/{name}/{f}", "wb").write(d[:i + 4] + struct.pack("<I", len(body)) + body)
PY
for variant in quiet loud noisy shifted; do
  echo "== variant: $variant"
  "$BIN" amd --labels "$CORPUS/labels.csv" "$OUT/$variant"/*.wav | sed -n '/^human\/machine/,$p'
  rm -rf "${OUT:?}/$variant"
done

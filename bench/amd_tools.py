#!/usr/bin/env python3
"""Helpers for bench/amd.sh.

  variants CORPUS OUT NAME...   writes OUT/NAME/*.wav, the corpus changed the way lines change audio
  table LABELS REPORT.jsonl     per-kind and per-condition table from `campaignd amd --json` output

Variants (made here, from the corpus, seeded so every run makes the same files):
  quiet    -12 dB                   loud     +6 dB, clipped
  noisy    Gaussian noise about -38 dBov on top of each clip's own
  shifted  10 ms (half a frame) cut from the start, so packets no longer line up with frames
  loss5    5 % of 20 ms packets replaced by digital silence, as a receiver fills a gap
  babble   the speech of two other clips of the corpus (people and recordings, their greetings only:
           no beeps or fax tones) looped 20 dB under its loudest quarter the whole time (voices behind)
"""
import csv, json, os, struct, sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "deploy", "tools"))
from g711 import TABLE, encode  # noqa: E402

DECODE = np.array(TABLE, dtype=np.float64)
# encode() for every 14-bit magnitude step, so whole clips encode with one lookup.
ENCODE = np.array([encode(v) for v in range(-32768, 32768, 4)], dtype=np.uint8)


def read(path):
    data = open(path, "rb").read()
    at = data.find(b"data")
    size = struct.unpack("<I", data[at + 4:at + 8])[0]
    return data[:at + 4], DECODE[np.frombuffer(data[at + 8:at + 8 + size], dtype=np.uint8)]


def write(path, head, samples):
    codes = ENCODE[((np.clip(samples, -32768, 32767).astype(np.int64) + 32768) >> 2)]
    open(path, "wb").write(head + struct.pack("<I", len(codes)) + codes.tobytes())


def variants(corpus, out, names):
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".wav"))
    clips = {f: read(os.path.join(corpus, f)) for f in files}
    labels = {row["file"]: row for row in csv.DictReader(open(os.path.join(corpus, "labels.csv")))}
    voices = []  # the greetings of the people and recordings in the corpus
    for f in files:
        row = labels.get(f, {})
        if row.get("label") in ("human", "machine") and row.get("speech_end_s") and row.get("kind", "") != "sit":
            start, end = float(row["answer_to_speech_s"]), float(row["speech_end_s"])
            voices.append(clips[f][1][int(start * 8000):int(end * 8000)])
    for name in names:
        rng = np.random.default_rng(7)
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for index, f in enumerate(files):
            head, x = clips[f]
            if name == "quiet":
                y = x * 0.25
            elif name == "loud":
                y = x * 2.0
            elif name == "noisy":
                y = x + rng.normal(0, 400, len(x))
            elif name == "shifted":
                y = x[80:]
            elif name == "loss5":
                y = x.copy()
                for packet in np.nonzero(rng.random(len(x) // 160) < 0.05)[0]:
                    y[packet * 160:(packet + 1) * 160] = 0
            elif name == "babble" and labels.get(f, {}).get("label") not in ("human", "machine"):
                y = x  # voices behind a fax or an empty line would be speech: left as they are
            elif name == "babble":
                y = x.copy()
                spoken = x[np.abs(x) > 0]
                level = np.sqrt(np.mean(np.sort(spoken ** 2)[-len(spoken) // 4:])) if len(spoken) else 1000
                for step in (1, 2):
                    other = voices[(index + step * 37) % len(voices)]
                    start = int(rng.integers(0, max(1, len(other) - 1)))
                    behind = np.resize(np.roll(other, -start), len(x))
                    y += behind / (np.sqrt(np.mean(behind ** 2)) + 1e-9) * level * 10 ** (-20 / 20) / np.sqrt(2)
            else:
                raise SystemExit(f"unknown variant {name}")
            write(os.path.join(out, name, f), head, y)


def table(labels_path, report_path):
    labels = {row["file"]: row for row in csv.DictReader(open(labels_path))}
    if not labels or "kind" not in next(iter(labels.values())):
        return
    expected = {"human": "amd_human_detected", "machine": "amd_machine_detected", "fax": "amd_fax_detected",
                "silence": "amd_no_speech_detected"}
    rows = {}
    for line in open(report_path):
        item = json.loads(line)
        if "file" not in item or item["file"] not in labels:
            continue
        label = labels[item["file"]]
        right = item["verdict"] == expected[label["label"]]
        for column in ("kind", "condition"):
            counts = rows.setdefault((column, label[column]), [0, 0, 0, 0])
            counts[0] += 1
            counts[1] += right
            counts[2] += label["label"] == "human" and item["verdict"] == "amd_machine_detected"
            counts[3] += item["verdict"] is None
    for column in ("kind", "condition"):
        print(f"| {column} | clips | right | humans called machines | no verdict |")
        print("|---|---|---|---|---|")
        for (which, value), (n, right, h2m, none) in sorted(rows.items()):
            if which == column:
                print(f"| {value} | {n} | {right} ({100 * right / n:.0f}%) | {h2m} | {none} |")
        print()


if __name__ == "__main__":
    if sys.argv[1] == "variants":
        variants(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)

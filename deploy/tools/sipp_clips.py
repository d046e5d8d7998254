"""Makes the short raw mu-law clips in deploy/sipp/audio that the AMD line tests stream from SIPp.

    python3 deploy/tools/sipp_clips.py        (from the repository root; rewrites the two files)

- human-hello-only.ulaw: the first 0.9 s of human-hello.ulaw ("Hello." is 0.26-0.86 s), byte for
  byte: a person who says hello and then sends no RTP at all (silence suppression).
- sit-intercept.ulaw: 0.3 s of quiet line, the three special information tones (ITU-T E.180 /
  Telcordia SR-2275: 913.8 Hz 274 ms, 1370.6 Hz 274 ms, 1776.7 Hz 380 ms, one continuous phase, about
  -18 dBov, as loud as the corpus's intercepts), then 2 s of quiet line where the announcement would be.
  The line noise is Gaussian at about -60 dBov from a fixed seed, so the file is the same every time.
"""
import math
import os
import random

import g711

AUDIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sipp", "audio")
RATE = 8000


def line_noise(rng, seconds, dbov=-60.0):
    sigma = 32768 * 10 ** (dbov / 20)
    return [rng.gauss(0, sigma) for _ in range(int(seconds * RATE))]


def sit_tones(amplitude=6000):
    samples, phase = [], 0.0
    for hz, ms in ((913.8, 274), (1370.6, 274), (1776.7, 380)):
        for _ in range(ms * RATE // 1000):
            samples.append(amplitude * math.sin(phase))
            phase += 2 * math.pi * hz / RATE
    return samples


def main():
    with open(os.path.join(AUDIO, "human-hello.ulaw"), "rb") as source:
        hello = source.read()
    with open(os.path.join(AUDIO, "human-hello-only.ulaw"), "wb") as out:
        out.write(hello[: int(0.9 * RATE)])

    rng = random.Random(13)
    samples = line_noise(rng, 0.3) + sit_tones() + line_noise(rng, 2.0)
    with open(os.path.join(AUDIO, "sit-intercept.ulaw"), "wb") as out:
        out.write(bytes(g711.encode(value) for value in samples))


if __name__ == "__main__":
    main()

"""G.711 mu-law for the project's scripts (the demo's prompts, bench/amd.sh's corpus variants).

The same reference algorithm as Sources/Telephony/Media/G711.swift (ITU-T G.191)."""
import math
import struct


def decode(byte):
    byte = ~byte & 0xFF
    magnitude = (((byte & 0x0F) << 3) + 0x84 << ((byte >> 4) & 7)) - 0x84
    return -magnitude if byte & 0x80 else magnitude


TABLE = [decode(i) for i in range(256)]


def encode(value):
    value = max(-32768, min(32767, int(value))) >> 2
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 0x21
    segment = 0
    while segment <= 7 and value > (0x40 << segment) - 1:
        segment += 1
    return 0x7F ^ mask if segment >= 8 else ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


def wav_bytes(data):
    """An 8 kHz mono mu-law WAV file around `data` (mu-law bytes)."""
    fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone_wav(path, hz, seconds=1.0, amplitude=6000):
    data = bytes(encode(amplitude * math.sin(2 * math.pi * hz * i / 8000)) for i in range(int(seconds * 8000)))
    with open(path, "wb") as out:
        out.write(wav_bytes(data))

#!/usr/bin/env python3
"""Makes a labelled AMD corpus of its own for bench/amd.sh: other phrases, voices and conditions than
../shared/amd, in the same format (8 kHz mu-law WAV from the answer on, labels.csv with the same
columns). Speech comes from espeak-ng (voices and variants the shared corpora do not use, varied
rate and pitch), tones are made here, resampling is sox's. Seeded: every run makes the same clips.

Usage: bench/amd-generate.py OUT_DIR [SEED]   (default seed 2026: the corpus BENCHMARKS.md reports)
"""
import csv, os, random, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from amd_tools import write  # noqa: E402

RATE = 8000
# Each phrase's language picks its voices (variants and accents the shared corpora do not use).
VOICES = {"en": ["en-gb-scotland", "en-029", "en-gb-x-rp"], "de": ["de"], "fr": ["fr-be"], "es": ["es"], "it": ["it"],
          "nl": ["nl"], "pt": ["pt"], "sv": ["sv"]}
VARIANTS = ["+m2", "+f1", "+m4", "+f3", "+klatt", ""]
HUMAN_SHORT = [("en", "Hello?"), ("en", "Yes?"), ("de", "Hallo?"), ("fr", "Allô?"), ("en", "Speaking."),
               ("en", "Who is it?"), ("nl", "Goedenavond."), ("en", "Yes, hello?"), ("sv", "Hej?"), ("it", "Pronto?"),
               ("es", "¿Diga?"), ("pt", "Estou?")]
HUMAN_LONG = [("en", "Good morning, Lakeside Veterinary Clinic, this is Anna, how can I help?"),
              ("en", "Hello, Northgate Electrics, Tom here, what can I do for you?"),
              ("it", "Buongiorno, studio dentistico Ferri, sono Giulia, mi dica."),
              ("de", "Guten Tag, Autohaus Keller, Sie sprechen mit Jonas, was kann ich tun?"),
              ("nl", "Goedemiddag, bakkerij De Vries, met Sanne, zegt u het maar."),
              ("fr", "Bonjour, cabinet Moreau, Julie à l'appareil, je vous écoute."),
              ("es", "Hola, clínica Santa Ana, le atiende Marta, dígame.")]
MACHINE = [("en", "Hi, you have reached the Patel family. We cannot take your call right now. Please leave a message after the tone."),
           ("en", "Thank you for calling Greenway Dental. Our office is closed. Please call again during business hours."),
           ("de", "Sie haben die Mailbox von Anna Braun erreicht. Ich rufe zurück. Bitte sprechen Sie nach dem Signalton."),
           ("fr", "Bonjour, vous êtes sur la messagerie de Luc. Je ne suis pas disponible. Laissez un message après le bip."),
           ("nl", "Hallo, dit is de voicemail van Pieter. Ik ben er even niet. Spreek een bericht in na de piep."),
           ("es", "Hola, soy Carmen. Ahora no puedo atender. Deja tu mensaje después de la señal.")]
MACHINE_SHORT = [("en", "Leave a message."), ("en", "Mailbox of Ivo. Speak now."), ("en", "Please leave your message."),
                 ("de", "Nachricht bitte.")]
ANNOUNCEMENT = [("en", "The number you have dialed is not in service."), ("de", "Die gewählte Rufnummer ist nicht vergeben."),
                ("es", "El número que usted marcó no existe.")]


def speak(text, voice, rate, pitch):
    with tempfile.TemporaryDirectory() as tmp:
        wav, raw = os.path.join(tmp, "s.wav"), os.path.join(tmp, "s.raw")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", wav, text], check=True)
        subprocess.run(["sox", wav, "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw], check=True)
        x = np.fromfile(raw, dtype="<i2").astype(np.float64)
    loud = np.nonzero(np.abs(x) > 300)[0]
    x = x[loud[0]:loud[-1] + 1] if len(loud) else x
    # About -22 dBov over the speech, as the shared corpora's voices.
    return x * (32768 * 10 ** (-22 / 20) / (np.sqrt(np.mean(x ** 2)) + 1e-9))


def tone(hz, seconds, amplitude=6000):
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * hz * t)


def silence(seconds):
    return np.zeros(int(seconds * RATE))


def pink(n, rng, db):
    white = rng.normal(0, 1, n + 64)
    b = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
    a = np.array([1, -2.494956002, 2.017265875, -0.522189400])
    y = np.zeros_like(white)
    for i in range(len(white)):  # a small IIR pink filter, written out to need no scipy
        y[i] = sum(b[k] * white[i - k] for k in range(4) if i >= k) - sum(a[k] * y[i - k] for k in range(1, 4) if i >= k)
    y = y[64:]
    return y / (np.sqrt(np.mean(y ** 2)) + 1e-9) * 32768 * 10 ** (db / 20)


def main(out, seed=2026):
    rng = np.random.default_rng(seed)
    rand = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    noise_bank = pink(RATE * 20, rng, 0)
    rows = []
    plan = ([("human", "human")] * 14 + [("human_long", "human")] * 12 + [("machine_beep", "machine")] * 10
            + [("machine_nobeep", "machine")] * 6 + [("machine_short", "machine")] * 6 + [("sit", "machine")] * 5
            + [("fax", "fax")] * 3 + [("silence", "silence")] * 3)
    conditions = ["clean", "loss3", "babble", "quiet"]
    babble_voices = [speak(text, rand.choice(VOICES[language]), 170, 50) for language, text in MACHINE[:4]]

    def pick(phrases):
        language, text = rand.choice(phrases)
        return text, rand.choice(VOICES[language]) + rand.choice(VARIANTS)
    for number, (kind, label) in enumerate(plan):
        voice = ""
        rate, pitch = rand.randint(140, 195), rand.randint(30, 70)
        condition = conditions[number % len(conditions)]
        if condition == "babble" and kind in ("fax", "silence"):
            condition = "clean"  # voices behind a fax or an empty line would be speech
        lead = round(rand.uniform(0.2, 1.4), 2)
        parts, text, beep_at, speech_end = [silence(lead)], "", None, None
        if kind == "human":
            text, voice = pick(HUMAN_SHORT)
            said = speak(text, voice, rate, pitch)
            parts.append(said)
            speech_end = lead + len(said) / RATE
            parts.append(silence(rand.uniform(4.0, 6.0)))
            if rand.random() < 0.4:
                parts += [speak(text, voice, rate, pitch), silence(2.0)]
        elif kind == "human_long":
            text, voice = pick(HUMAN_LONG)
            said = speak(text, voice, rand.randint(150, 190), pitch)
            parts.append(said)
            speech_end = lead + len(said) / RATE
            parts.append(silence(rand.uniform(4.0, 6.0)))
        elif kind in ("machine_beep", "machine_nobeep", "machine_short"):
            text, voice = pick(MACHINE_SHORT if kind == "machine_short" else MACHINE)
            said = speak(text, voice, rate, pitch)
            parts.append(said)
            speech_end = lead + len(said) / RATE
            if kind == "machine_nobeep":
                parts.append(silence(4.0))
            else:
                gap = rand.uniform(0.3, 1.0)
                beep_at = speech_end + gap
                parts += [silence(gap), tone(rand.choice([440, 600, 850, 1000, 1200, 1400]), rand.uniform(0.3, 0.8)),
                          silence(2.0)]
        elif kind == "sit":
            text, voice = pick(ANNOUNCEMENT)
            low = rand.random() < 0.5
            length = 0.274 if rand.random() < 0.5 else 0.380
            parts += [tone(985.2 if low else 913.8, length), tone(1428.5 if low else 1370.6, length),
                      tone(1776.7, 0.380), silence(0.3)]
            said = speak(text, voice, rate, pitch)
            parts.append(said)
            speech_end = lead + sum(len(p) for p in parts[1:]) / RATE
            parts.append(silence(3.0))
        elif kind == "fax":
            text = "CNG 1100 Hz" if number % 2 else "CED 2100 Hz"
            parts += [tone(1100, 0.5), silence(3.0), tone(1100, 0.5), silence(1.0)] if number % 2 else [tone(2100, 3.0), silence(1.0)]
        else:
            text = "no speech"
            parts.append(silence(7.0))
        x = np.concatenate(parts)
        noise_db = rand.choice([-46, -50, -56, None])  # pink line noise, dBov (the shared corpora's range)
        if noise_db is not None:
            start = int(rng.integers(0, len(noise_bank) - len(x) - 1))
            x = x + noise_bank[start:start + len(x)] * 10 ** (noise_db / 20)
        if condition == "babble":
            voices = np.zeros(len(x))
            for other in rand.sample(babble_voices, 2):
                voices += np.resize(other, len(x))
            x = x + voices * 32768 * 10 ** ((-22 - 15) / 20) / (np.sqrt(np.mean(voices ** 2)) + 1e-9)  # 15 dB under the voice
        elif condition == "quiet":
            x = x * 0.1
        elif condition == "loss3":
            for packet in np.nonzero(rng.random(len(x) // 160) < 0.03)[0]:
                x[packet * 160:(packet + 1) * 160] = 0
        name = f"gen-{number:03d}-{label}.wav"
        write(os.path.join(out, name), b"RIFF\x00\x00\x00\x00WAVEfmt \x12\x00\x00\x00\x07\x00\x01\x00@\x1f\x00\x00@\x1f\x00\x00"
              b"\x01\x00\x08\x00\x00\x00data", x)
        rows.append({"file": name, "label": label, "answer_to_speech_s": lead if label != "silence" else "",
                     "speech_end_s": f"{speech_end:.2f}" if speech_end else "", "beep_at_s": f"{beep_at:.2f}" if beep_at else "",
                     "duration_s": f"{len(x) / RATE:.2f}", "voice": voice, "noise_db": noise_db or "", "text": text,
                     "kind": kind, "condition": condition})
    with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    print(f"amd-generate: {len(rows)} clips in {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2026)

"""Helpers of bench/media-concurrency.sh: the callee's recordings and the prompts, a /proc sampler,
and the analysis of one run (CDRs, campaignd's log, a SIP capture and a sampled RTP capture).

  audio CORPUS OUT CLIP_SECONDS HUMAN_PROMPT_S MACHINE_PROMPT_S
  sample OUT.csv CAMPAIGND_PID SIPP_PID
  analyse DIR N RATE TRUNK_PORT HUMAN_PROMPT_S MACHINE_PROMPT_S

Standard library only, and deploy/tools/g711.py."""
import csv
import glob
import json
import math
import os
import re
import struct
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "tools"))
import g711  # noqa: E402

# The callee's side of each call, by the dialed number's last digit: five people and five answering
# machines from the development corpus. People say one thing and wait (no "repeats" clips: the
# callee is silent after it); machines have a greeting long enough to be judged a machine before
# the beep (no "Leave a message." clips, which are first heard as a person), then a beep.
CLIPS = {
    0: "dev-004-human.wav",    # "Hello."
    1: "dev-010-human.wav",    # "Yes?"
    2: "dev-038-human.wav",    # "Yeah, hello?"
    3: "dev-016-human.wav",    # "Hello, Acme Plumbing, Sarah speaking."
    4: "dev-015-human.wav",    # "Speaking."
    5: "dev-007-machine.wav",  # beep 438 Hz at 7.33 s
    6: "dev-000-machine.wav",  # beep 1400 Hz at 9.62 s
    7: "dev-051-machine.wav",  # beep 850 Hz at 6.74 s
    8: "dev-112-machine.wav",  # beep 1000 Hz at 7.66 s
    9: "dev-092-machine.wav",  # beep 438 Hz at 8.67 s
}
HUMAN_PROMPT_HZ = 660
MACHINE_PROMPT_HZ = 440
PACKET_S = 0.020


def wav_mulaw(path):
    """The mu-law bytes of an 8 kHz mono mu-law WAV (format 7)."""
    data = open(path, "rb").read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SystemExit(f"{path}: not a WAV file")
    offset, fmt, body = 12, None, None
    while offset + 8 <= len(data):
        chunk, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        if chunk == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[offset + 8:offset + 24])
        elif chunk == b"data":
            body = data[offset + 8:offset + 8 + size]
        offset += 8 + size + (size & 1)
    if fmt is None or body is None or fmt[0] != 7 or fmt[1] != 1 or fmt[2] != 8000:
        raise SystemExit(f"{path}: expected 8 kHz mono mu-law, found format {fmt}")
    return body


def audio(corpus, out, clip_seconds, human_prompt_s, machine_prompt_s):
    """Writes OUT/clips/dN.ulaw (raw, for rtp_stream) and dN.wav (for `campaignd amd`), OUT/clips.csv
    (digit, clip, label, speech end, beep) and OUT/prompts/{human,machine}.wav (tones)."""
    labels = {row["file"]: row for row in csv.DictReader(open(os.path.join(corpus, "labels.csv")))}
    os.makedirs(os.path.join(out, "clips"), exist_ok=True)
    os.makedirs(os.path.join(out, "prompts"), exist_ok=True)
    total = int(clip_seconds * 8000)
    with open(os.path.join(out, "clips.csv"), "w", newline="") as index:
        writer = csv.writer(index)
        writer.writerow(["digit", "file", "label", "speech_end_s", "beep_at_s", "source"])
        for digit, name in CLIPS.items():
            row = labels[name]
            body = wav_mulaw(os.path.join(corpus, name))
            # Past the greeting and the beep only the line's noise is left: the clip's last 1.5 s,
            # repeated, carries the call on to CLIP_SECONDS (a person waiting, a machine recording).
            quiet_from = max(float(row["speech_end_s"] or 0) + 0.5, float(row["beep_at_s"] or 0) + 1.0)
            tail = body[-12000:]
            if quiet_from * 8000 > len(body) - len(tail):
                raise SystemExit(f"{name}: no 1.5 s of noise after the greeting and beep")
            audio_bytes = bytearray(body)
            while len(audio_bytes) < total:
                audio_bytes += tail
            audio_bytes = bytes(audio_bytes[:total])
            open(os.path.join(out, "clips", f"d{digit}.ulaw"), "wb").write(audio_bytes)
            open(os.path.join(out, "clips", f"d{digit}.wav"), "wb").write(g711.wav_bytes(audio_bytes))
            writer.writerow([digit, f"d{digit}.wav", row["label"], row["speech_end_s"], row["beep_at_s"], name])
    with open(os.path.join(out, "clips", "labels.csv"), "w") as labels_out:
        labels_out.write("file,label\n")
        for digit, name in CLIPS.items():
            labels_out.write(f"d{digit}.wav,{labels[name]['label']}\n")
    g711.tone_wav(os.path.join(out, "prompts", "human.wav"), HUMAN_PROMPT_HZ, seconds=human_prompt_s)
    g711.tone_wav(os.path.join(out, "prompts", "machine.wav"), MACHINE_PROMPT_HZ, seconds=machine_prompt_s)


# ---------------------------------------------------------------------------------------------
# Sampler


def proc_sample(pid):
    """(cpu seconds, VmRSS KB, VmHWM KB, threads) of a process, or None once it is gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)
    values = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(value.split()[0])
    if "VmRSS" not in values:  # a zombie
        return None
    return cpu, values["VmRSS"], values["VmHWM"], values["Threads"]


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine, all cores (/proc/stat)."""
    fields = [int(value) for value in open("/proc/stat").readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks


def sample(out, campaignd_pid, sipp_pid):
    """Every 0.1 s for the first 3 s (to catch the baseline before the first call), then every
    0.5 s, until campaignd exits; one last line for SIPp after that."""
    start = time.time()
    with open(out, "w") as output:
        output.write("time,cd_cpu_s,cd_rss_kb,cd_hwm_kb,cd_threads,sipp_cpu_s,sipp_rss_kb,sipp_hwm_kb,sipp_threads,machine_busy_s,machine_total_s\n")
        while True:
            now = time.time()
            campaignd = proc_sample(campaignd_pid)
            sipp = proc_sample(sipp_pid)
            busy, total = machine_cpu()
            row = [f"{now:.3f}"] + [str(v) for v in (campaignd or ("", "", "", ""))] + [str(v) for v in (sipp or ("", "", "", ""))]
            row += [f"{busy:.2f}", f"{total:.2f}"]
            output.write(",".join(row) + "\n")
            output.flush()
            if campaignd is None:
                break
            time.sleep(0.1 if now - start < 3 else 0.5)


# ---------------------------------------------------------------------------------------------
# Captures


def pcap_packets(path):
    """(time, src port, dst port, UDP payload) of each IPv4 UDP packet of a libpcap file."""
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return
        magic = struct.unpack("<I", header[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            endian = ">"
            magic = struct.unpack(">I", header[:4])[0]
        nano = magic == 0xA1B23C4D
        linktype = struct.unpack(endian + "I", header[20:24])[0]
        link_header = {1: 14, 113: 16, 276: 20, 0: 4, 101: 0, 12: 0}.get(linktype)
        if link_header is None:
            raise SystemExit(f"{path}: link type {linktype} not handled")
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            seconds, fraction, captured, _ = struct.unpack(endian + "IIII", record)
            data = f.read(captured)
            stamp = seconds + fraction / (1e9 if nano else 1e6)
            ip = data[link_header:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:  # a fragment
                continue
            ihl = (ip[0] & 0x0F) * 4
            udp = ip[ihl:]
            if len(udp) < 8:
                continue
            source, destination = struct.unpack(">HH", udp[:4])
            yield stamp, source, destination, udp[8:]


def sip_calls(path, trunk_port):
    """Per Call-ID: target, INVITE/200/ACK/BYE times on the wire, both RTP ports (from the SDP)."""
    calls = {}
    for stamp, source, destination, payload in pcap_packets(path):
        text = payload.decode("latin-1", "replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        if not lines or not lines[0]:
            continue
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        call_id = headers.get("call-id") or headers.get("i")
        cseq = (headers.get("cseq") or "").split()
        if not call_id or len(cseq) != 2:
            continue
        call = calls.setdefault(call_id, {})
        first = lines[0]
        port = re.search(r"^m=audio (\d+)", body, re.M)
        from_campaignd = destination == trunk_port
        if first.startswith("SIP/2.0 "):
            code = int(first.split()[1])
            if code == 200 and cseq[1] == "INVITE" and "ok" not in call:
                call["ok"] = stamp
                if port:
                    call["sipp_rtp"] = int(port.group(1))
            elif code == 200 and cseq[1] == "BYE" and "bye_ok" not in call:
                call["bye_ok"] = stamp
        else:
            method = first.split()[0]
            if method == "INVITE" and "invite" not in call:
                call["invite"] = stamp
                user = re.match(r"INVITE sips?:([^@;> ]+)@", first)
                call["target"] = user.group(1) if user else None
                if port:
                    call["cd_rtp"] = int(port.group(1))
            elif method == "INVITE":
                call["invite_retransmissions"] = call.get("invite_retransmissions", 0) + 1
            elif method == "ACK" and "ack" not in call:
                call["ack"] = stamp
            elif method == "BYE" and "bye" not in call:
                call["bye"] = stamp
                call["bye_by"] = "campaignd" if from_campaignd else "sipp"
    return calls


def is_silence(payload):
    return all(byte in (0xFF, 0x7F) for byte in payload)


def tone_hz(payload):
    """The frequency of a tone from its zero crossings (enough to tell the two prompts apart)."""
    samples = [g711.TABLE[byte] for byte in payload]
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings * 8000 / (2 * max(1, len(samples) - 1))


def prompts_in(packets):
    """Splits one call's outgoing RTP (time, seq, marker, payload) into prompts: a prompt starts at
    a non-silent packet that has the marker bit or follows silence (or nothing), and runs while
    packets are not silent. Returns [(packets of the prompt, marker on its first packet)]."""
    prompts, current = [], None
    for packet in packets:
        stamp, seq, marker, payload = packet
        silent = is_silence(payload)
        if silent:
            current = None
        elif current is None or marker:
            current = [packet]
            prompts.append((current, marker))
        else:
            current.append(packet)
    return prompts


def rtp_streams(path, calls):
    """Outgoing RTP of the sampled calls, by Call-ID. Packets are grouped by SSRC (one per call and
    direction), and a stream belongs to the call that offered its source port (INVITE SDP), sent to
    SIPp's port (200 OK SDP) and was up when the stream began."""
    by_ssrc = {}
    for stamp, source, destination, payload in pcap_packets(path):
        if len(payload) < 12 or payload[0] >> 6 != 2:
            continue
        csrc = (payload[0] & 0x0F) * 4
        marker = bool(payload[1] & 0x80)
        seq, ssrc = struct.unpack(">H", payload[2:4])[0], struct.unpack(">I", payload[8:12])[0]
        stream = by_ssrc.setdefault(ssrc, {"ports": (source, destination), "packets": []})
        stream["packets"].append((stamp, seq, marker, payload[12 + csrc:]))
    by_ports = {}
    for call_id, call in calls.items():
        if "cd_rtp" in call and "sipp_rtp" in call and "ok" in call:
            by_ports.setdefault((call["cd_rtp"], call["sipp_rtp"]), []).append(call_id)
    streams = {}
    for stream in by_ssrc.values():
        begin = min(packet[0] for packet in stream["packets"])
        candidates = [call_id for call_id in by_ports.get(stream["ports"], [])
                      if calls[call_id]["ok"] - 1 <= begin <= calls[call_id].get("bye", float("inf")) + 1]
        if candidates:
            call_id = max(candidates, key=lambda c: calls[c]["ok"])
            streams.setdefault(call_id, []).extend(stream["packets"])
    return streams


# ---------------------------------------------------------------------------------------------
# Analysis


def iso_to_epoch(text):
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def ms(value):
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms".replace("-0 ms", "0 ms") if abs(value) < 10 else f"{value:.1f} s"


def spread(values):
    if not values:
        return "— (none measured)"
    return f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}, max {ms(max(values))} (n={len(values)})"


LOG_LINE = re.compile(r"^(\S+) (\w+) (.*?)((?: \w+=(?:\"[^\"]*\"|\S*))*)$")


def log_events(path):
    """campaignd's 'amd' and 'playing prompt' lines: {target: [(time, kind, fields)]}."""
    events = {}
    if not os.path.exists(path):
        return events
    for line in open(path, errors="replace"):
        if " amd " not in line and " playing prompt " not in line:
            continue
        match = LOG_LINE.match(line.rstrip("\n"))
        if not match:
            continue
        stamp, _, message, rest = match.groups()
        if iso_to_epoch(stamp) is None:
            continue
        fields = dict((key, value.strip('"')) for key, value in re.findall(r" (\w+)=(\"[^\"]*\"|\S*)", rest))
        if message not in ("amd", "playing prompt") or "target" not in fields:
            continue
        events.setdefault(fields["target"], []).append((iso_to_epoch(stamp), message, fields))
    return events


def capture_stats(path):
    match = re.search(r"received/dropped on interface .*: (\d+)/(\d+)", open(path).read()) if os.path.exists(path) else None
    return f"{match.group(1)} / {match.group(2)}" if match else "?"


def loop_scheduling(directory, priority):
    """What campaignd's log (run.log) says of its event loops' scheduling (runtime.realtimePriority)."""
    if not priority:
        return "time-shared"
    path = os.path.join(directory, "run.log")
    log = open(path, errors="replace").read() if os.path.exists(path) else ""
    if "event loops run real-time" in log:
        return f"SCHED_RR {priority}"
    return f"time-shared (SCHED_RR {priority} refused)" if "real-time scheduling refused" in log else "unknown"


def analyse(directory, contacts, rate, trunk_port, human_prompt_s, machine_prompt_s):
    out = []
    say = out.append
    labels = {int(row["digit"]): row for row in csv.DictReader(open(os.path.join(directory, "audio", "clips.csv")))}
    prompt_seconds = {"human": human_prompt_s, "machine": machine_prompt_s}
    run = json.load(open(os.path.join(directory, "run.json")))

    # CDRs: one per attempt (no retries here).
    cdrs = []
    for path in sorted(glob.glob(os.path.join(directory, "var", "cdr", "*.jsonl"))):
        for line in open(path):
            if line.strip():
                cdrs.append(json.loads(line))
    by_target = {}
    for record in cdrs:
        by_target.setdefault(record["target"], []).append(record)
    calls = sip_calls(os.path.join(directory, "sip.pcap"), trunk_port)
    sip_by_target = {call["target"]: call for call in calls.values() if call.get("target")}
    events = log_events(os.path.join(directory, "run.log"))

    # Outcomes and verdicts.
    statuses = {}
    for record in cdrs:
        key = f"{record['status']}/{record.get('reasonCode')}"
        statuses[key] = statuses.get(key, 0) + 1
    completed = sum(1 for record in cdrs if record["status"] == "completed")
    lost = contacts - completed
    right = wrong = missing = 0
    wrong_examples = []
    prompts_right = prompts_wrong = 0
    amd_late, prompt_log_late, end_log_late = [], [], []
    for index in range(contacts):
        target = f"+1555{index:07d}"
        label = labels[int(target[-1])]["label"]
        records = by_target.get(target, [])
        record = records[-1] if records else None
        verdict = record.get("machineDetection") if record else None
        beep = record.get("beepDetected") if record else None
        expected = "amd_human_detected" if label == "human" else "amd_machine_detected"
        if verdict is None:
            missing += 1
        elif verdict == expected and (label == "human" or beep):
            right += 1
        else:
            wrong += 1
            if len(wrong_examples) < 5:
                wrong_examples.append(f"{target} ({label}): {verdict}, beep {beep}")
        played = [fields["prompt"] for _, message, fields in events.get(target, []) if message == "playing prompt"]
        if played == [label]:
            prompts_right += 1
        else:
            prompts_wrong += 1
        # How late the deciding event (the person's verdict, the machine's beep) was acted on, against
        # when its audio reached campaignd: SIPp starts streaming on our ACK, so audio time t (the
        # event's after_answer_ms) is on the wire at ACK + t.
        call = sip_by_target.get(target)
        deciding = "amd_human_detected" if label == "human" else "amd_tone_detected"
        decided = [(stamp, fields) for stamp, message, fields in events.get(target, [])
                   if message == "amd" and fields.get("event") == deciding]
        prompt_logged = [stamp for stamp, message, fields in events.get(target, []) if message == "playing prompt"]
        if call and "ack" in call and decided:
            due = call["ack"] + int(decided[0][1]["after_answer_ms"]) / 1000
            amd_late.append(decided[0][0] - due)
            if prompt_logged:
                prompt_log_late.append(prompt_logged[0] - due)
        if call and "bye" in call and call.get("bye_by") == "campaignd" and len(prompt_logged) == 1 and played == [label]:
            end_log_late.append(call["bye"] - (prompt_logged[0] + prompt_seconds[label]))

    # Calls up at once, from the CDRs (answered to ended).
    edges = []
    for record in cdrs:
        up, down = iso_to_epoch(record.get("connectTime")), iso_to_epoch(record.get("disconnectTime"))
        if up and down:
            edges += [(up, 1), (down, -1)]
    peak_up, level = 0, 0
    for _, step in sorted(edges):
        level += step
        peak_up = max(peak_up, level)
    call_seconds = sum((record.get("connectDurationMs") or 0) for record in cdrs) / 1000
    # What a call lasts when campaignd is on time: the deciding event's audio time, plus the prompt.
    on_time = []
    for record in cdrs:
        label = labels[int(record["target"][-1])]["label"]
        deciding = "amd_human_detected" if label == "human" else "amd_tone_detected"
        decided = [fields for _, message, fields in events.get(record["target"], []) if message == "amd" and fields.get("event") == deciding]
        if decided:
            on_time.append(int(decided[0]["after_answer_ms"]) / 1000 + prompt_seconds[label])
    expected_call_s = sum(on_time) / len(on_time) if on_time else 0

    # /proc samples.
    samples = list(csv.DictReader(open(os.path.join(directory, "samples.csv"))))
    cd = [row for row in samples if row["cd_rss_kb"]]
    sp = [row for row in samples if row["sipp_rss_kb"]]
    invites = sorted(call["invite"] for call in calls.values() if "invite" in call)
    first_invite = invites[0] if invites else float("inf")
    before = [row for row in cd if float(row["time"]) < first_invite]
    baseline = int((before[-1] if before else cd[0])["cd_rss_kb"]) if cd else 0
    peak_rss = max((int(row["cd_hwm_kb"]) for row in cd), default=0)
    threads = max((int(row["cd_threads"]) for row in cd), default=0)
    sipp_before = [row for row in sp if float(row["time"]) < first_invite]
    sipp_baseline = int((sipp_before[-1] if sipp_before else sp[0])["sipp_rss_kb"]) if sp else 0
    sipp_peak = max((int(row["sipp_hwm_kb"]) for row in sp), default=0)
    sipp_threads = max((int(row["sipp_threads"]) for row in sp), default=0)
    sipp_cpu = (float(sp[-1]["sipp_cpu_s"]) - float(sp[0]["sipp_cpu_s"])) if sp else 0
    cd_cpu = run["campaignd_user_s"] + run["campaignd_system_s"]
    # What the rest of the machine took meanwhile (other people's builds and tests; dumpcap, this
    # sampler): all cores' busy time minus campaignd's and SIPp's, over the same samples.
    others = None
    if len(samples) > 1 and samples[0].get("machine_busy_s"):
        span_busy = float(samples[-1]["machine_busy_s"]) - float(samples[0]["machine_busy_s"])
        span_total = float(samples[-1]["machine_total_s"]) - float(samples[0]["machine_total_s"])
        cd_span = float(cd[-1]["cd_cpu_s"]) - float(cd[0]["cd_cpu_s"]) if cd else 0
        others = (span_busy - cd_span - sipp_cpu, span_total, float(samples[-1]["time"]) - float(samples[0]["time"]))

    # Dial rate: first INVITE of each call on the wire.
    slip = max((stamp - (invites[0] + i / rate) for i, stamp in enumerate(invites)), default=0)
    achieved = (len(invites) - 1) / (invites[-1] - invites[0]) if len(invites) > 1 and invites[-1] > invites[0] else 0
    retransmitted = sum(call.get("invite_retransmissions", 0) for call in calls.values())

    # Sampled RTP: prompts on the wire.
    streams = rtp_streams(os.path.join(directory, "rtp.pcap"), calls)
    packet_late, start_late, end_late = [], [], []
    sampled = sampled_right = 0
    sample_problems = []
    for call_id, packets in streams.items():
        call = calls[call_id]
        target = call.get("target")
        if not target:
            continue
        label = labels[int(target[-1])]["label"]
        packets.sort()
        sampled += 1
        found = prompts_in(packets)
        kinds = []
        for prompt, marker in found:
            hz = tone_hz(prompt[0][3])
            kinds.append("human" if abs(hz - HUMAN_PROMPT_HZ) < abs(hz - MACHINE_PROMPT_HZ) else "machine")
        expected_packets = round(prompt_seconds[label] / PACKET_S)
        if kinds == [label] and abs(len(found[0][0]) - expected_packets) <= 1:
            sampled_right += 1
        elif len(sample_problems) < 5:
            sample_problems.append(f"{target} ({label}): prompts {kinds}, packets {[len(p) for p, _ in found]} of {expected_packets}")
        if not found:
            continue
        prompt = found[0][0]
        first_time, first_seq = prompt[0][0], prompt[0][1]
        for stamp, seq, _, _ in prompt:
            n = (seq - first_seq) % 65536
            packet_late.append(stamp - (first_time + n * PACKET_S))
        deciding = "amd_human_detected" if label == "human" else "amd_tone_detected"
        decided = [fields for _, message, fields in events.get(target, []) if message == "amd" and fields.get("event") == deciding]
        if decided and "ack" in call:
            start_late.append(first_time - (call["ack"] + int(decided[0]["after_answer_ms"]) / 1000))
        if call.get("bye_by") == "campaignd" and kinds == [label]:
            end_late.append(call["bye"] - (first_time + prompt_seconds[label]))

    say(f"media-concurrency: {contacts} contacts at {rate} calls/s, {run['date']}, {run['machine']}, "
        f"campaignd's loops {loop_scheduling(directory, run.get('realtime_priority', 0))}")
    say(f"  campaignd sources at {run['commit']}, prompts {human_prompt_s:g} s (person) / {machine_prompt_s:g} s (machine), callee audio {run['clip_seconds']:g} s")
    if run.get("timed_out"):
        say(f"  RUN TIMED OUT after {run['elapsed_s']:.0f} s: campaignd was stopped (SIGTERM, then SIGKILL if needed)")
    say(f"  campaignd run --once: exit {run['exit_code']}, {run['elapsed_s']:.1f} s")
    say("")
    rows = [
        ("calls answered (CDR completed) / contacts", f"{completed} / {contacts} ({lost} lost)"),
        ("CDR outcomes", ", ".join(f"{key} {value}" for key, value in sorted(statuses.items(), key=lambda kv: -kv[1])) or "none"),
        ("peak calls up at once (CDR connect..disconnect)", f"{peak_up}"),
        ("media call-seconds (sum of connectDurationMs)", f"{call_seconds:,.0f} s, {call_seconds / completed if completed else 0:.1f} s per call"
         f" (on time: about {expected_call_s:.1f} s)"),
        ("verdicts right / wrong / missing", f"{right} / {wrong} / {missing}" + (f" (e.g. {'; '.join(wrong_examples)})" if wrong_examples else "")),
        ("exactly the right prompt (log) yes / no", f"{prompts_right} / {prompts_wrong}" if events
         else "— (no 'amd' or 'playing prompt' lines in campaignd's log)"),
        ("campaignd CPU (user+system, whole run)", f"{cd_cpu:.1f} s"),
        ("SIPp CPU (same span)", f"{sipp_cpu:.1f} s"),
        ("rest of the machine meanwhile (CPU, all cores)", "?" if others is None else
         f"{others[0]:.1f} s of {others[1]:.1f} s over {others[2]:.0f} s ({others[0] / others[2]:.2f} cores busy with other work)"),
        ("CPU per media call-second: campaignd / SIPp", f"{cd_cpu * 1000 / call_seconds if call_seconds else float('nan'):.2f} ms / {sipp_cpu * 1000 / call_seconds if call_seconds else float('nan'):.2f} ms"
         f" (ratio {cd_cpu / sipp_cpu if sipp_cpu else float('nan'):.1f}, target <= 1.5)"),
        # Calls that campaignd ends late last longer and flatter the line above: the same CPU over the
        # call-seconds the calls would have had on time.
        ("campaignd CPU per on-time call-second", f"{cd_cpu * 1000 / (expected_call_s * completed) if expected_call_s and completed else float('nan'):.2f} ms"),
        ("campaignd RSS: baseline / peak (VmHWM)", f"{baseline / 1024:.1f} MB / {peak_rss / 1024:.1f} MB"),
        ("RSS per call in progress: campaignd / SIPp", f"{(peak_rss - baseline) / peak_up if peak_up else float('nan'):.0f} KB / {(sipp_peak - sipp_baseline) / peak_up if peak_up else float('nan'):.0f} KB (target <= 64 KB)"),
        ("threads (max): campaignd / SIPp", f"{threads} / {sipp_threads}"),
        ("dial rate achieved (first INVITEs on the wire)", f"{achieved:.2f}/s of {rate}/s, {len(invites)} INVITEs, latest {slip:.2f} s behind schedule, {retransmitted} retransmitted"),
        ("AMD deciding event late (log - (ACK + after_answer_ms))", spread(amd_late)),
        ("prompt start late, log (same reference)", spread(prompt_log_late)),
        ("call end late, log (BYE - (logged start + prompt length))", spread(end_log_late)),
        ("sampled calls (RTP capture): right prompt, whole", f"{sampled_right} of {sampled}" + (f" (e.g. {'; '.join(sample_problems)})" if sample_problems else "")),
        ("prompt packet lateness (t_n - (t_0 + n x 20 ms))", spread(packet_late)),
        ("prompt start late on the wire (first packet - (ACK + after_answer_ms))", spread(start_late)),
        ("call end late on the wire (BYE - (first packet + prompt length))", spread(end_late)),
    ]
    errors = os.path.join(directory, "sipp-errors.log")
    text_errors = open(errors, errors="replace").read() if os.path.exists(errors) else ""
    rows.append(("SIPp error log: gave up waiting for our BYE / messages for dead calls / lines",
                 f"{text_errors.count('receive timeout')} / {text_errors.count('Dead call')} / {sum(1 for line in text_errors.splitlines() if line.strip())}"))
    rows.append(("captures: packets / dropped (SIP, sampled RTP)", ", ".join(capture_stats(os.path.join(directory, name)) for name in ("dumpcap-sip.log", "dumpcap-rtp.log"))))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        say(f"  {name.ljust(width)}  {value}")
    text = "\n".join(out) + "\n"
    open(os.path.join(directory, "summary.txt"), "w").write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "audio":
        audio(args[0], args[1], float(args[2]), float(args[3]), float(args[4]))
    elif command == "sample":
        sample(args[0], int(args[1]), int(args[2]))
    elif command == "analyse":
        analyse(args[0], int(args[1]), float(args[2]), int(args[3]), float(args[4]), float(args[5]))
    else:
        raise SystemExit(__doc__)

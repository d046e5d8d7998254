#!/usr/bin/env python3
"""Helpers of bench/bridge.sh.

  noise PATH SEED SECONDS   raw mu-law noise (no encoded silence, no two frames alike)
  analyse OUT               bench/out/bridge/summary.txt from the captures, CDRs and CPU figures
"""
import glob
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import media_concurrency as common  # noqa: E402  (pcap reading, percentiles)


def noise(path, seed, seconds):
    generator = random.Random(seed)
    # Mid-level samples (neither the 0xFF/0x7F of silence nor clipping): sounds like a busy line.
    values = [v for v in range(256) if (v & 0x7F) not in (0x7F, 0x7E, 0x00)]
    with open(path, "wb") as f:
        f.write(bytes(generator.choice(values) for _ in range(int(seconds * 8000))))


def sip_legs(path, person_ports, agent_ports):
    """{person number: (our RTP port towards the person, our RTP port towards the agent)} from the
    INVITEs campaignd sent to SIPp people and agents (on those SIP ports; the agent's carries X-Callee)."""
    person, agent = {}, {}
    for _, _, destination, payload in common.pcap_packets(path):
        text = payload.decode("latin-1", "replace")
        if not text.startswith("INVITE "):
            continue
        head, _, body = text.partition("\r\n\r\n")
        port = re.search(r"^m=audio (\d+)", body, re.M)
        if not port:
            continue
        if destination in person_ports:
            user = re.match(r"INVITE sips?:([^@;> ]+)@", text)
            if user:
                person.setdefault(user.group(1), int(port.group(1)))
        elif destination in agent_ports:
            callee = re.search(r"^X-Callee:\s*(\S+)", head, re.M | re.I)
            if callee:
                agent.setdefault(callee.group(1), int(port.group(1)))
    return {number: (person[number], agent[number]) for number in person if number in agent}


def analyse(out):
    run = json.load(open(f"{out}/run.json"))
    lines = [f"bridge: {run['contacts']} calls at {run['rate']}/s, bridged {run['hold_s']} s, {run['machine']}, "
             f"{run['date']}, commit {run['commit']}, campaignd exit {run['exit_code']}, {run['elapsed_s']:.0f} s, {run.get('sipp_pairs', 1)} SIPp pair(s), answers spread over {run.get('answer_ms', 0)} ms, SIPp and dumpcap at nice {run.get('sipp_nice', 0)}, "
             f"campaignd's loops {common.loop_scheduling(out, run.get('realtime_priority', 0))}"]
    records = []
    for path in glob.glob(f"{out}/var/cdr/*"):
        for line in open(path):
            if line.strip():
                records.append(json.loads(line))
    bridged = [r for r in records if r.get("connectedSec") is not None]
    call_seconds = sum(float(r["connectedSec"]) for r in bridged)
    reasons = {}
    for record in records:
        reasons[record.get("reasonCode")] = reasons.get(record.get("reasonCode"), 0) + 1
    lines.append(f"CDRs: {len(records)} ({', '.join(f'{k} {v}' for k, v in sorted(reasons.items(), key=str))}); "
                 f"bridged {len(bridged)}, {call_seconds:.0f} bridged call-seconds")
    cpu = run["campaignd_user_s"] + run["campaignd_system_s"]
    per = (lambda seconds: f"{seconds * 1000 / call_seconds:.3f} ms" if call_seconds else "—")
    lines.append(f"CPU per bridged call-second: campaignd {per(cpu)} ({cpu:.1f} s: user {run['campaignd_user_s']:.1f}, "
                 f"system {run['campaignd_system_s']:.1f}); SIPp person {per(run['sipp_person_cpu_s'])}, agent {per(run['sipp_agent_cpu_s'])}")
    samples = [row.split(",") for row in open(f"{out}/samples.csv").read().splitlines()[1:]]
    threads = max((int(row[4]) for row in samples if len(row) > 4 and row[4]), default=0)
    lines.append(f"campaignd peak RSS {run['campaignd_maxrss_kb'] / 1024:.0f} MB, at most {threads} threads")

    pairs = run.get("sipp_pairs", 1)
    person_ports = {run["person_sip_port"] + i for i in range(pairs)}
    agent_ports = {run["agent_sip_port"] + i for i in range(pairs)}
    sipp_media = {run["person_media"] + 10 * i for i in range(pairs)} | {run["agent_media"] + 10 * i for i in range(pairs)}
    legs = sip_legs(f"{out}/sip.pcap", person_ports, agent_ports)
    # Each of campaignd's RTP ports talks to one SIPp: what came into it, and what went out of it.
    into_port, out_of_port = {}, {}
    first = last = None
    for stamp, source, destination, payload in common.pcap_packets(f"{out}/rtp.pcap"):
        if len(payload) < 14 or payload[0] >> 6 != 2 or payload[1] & 0x7F not in (0, 8):
            continue
        if source in sipp_media:
            into_port.setdefault(destination, []).append((stamp, bytes(payload[12:])))
        elif destination in sipp_media:
            out_of_port.setdefault(source, []).append((stamp, bytes(payload[12:])))
        else:
            continue
        first = stamp if first is None else min(first, stamp)
        last = stamp if last is None else max(last, stamp)
    results = {}
    for name, (into, out_of) in {
        "person → agent": (lambda p, q: p, lambda p, q: q),
        "agent → person": (lambda p, q: q, lambda p, q: p),
    }.items():
        latencies, sent, lost, calls = [], 0, 0, 0
        for person_port, agent_port in legs.values():
            incoming = into_port.get(into(person_port, agent_port), [])
            outgoing = out_of_port.get(out_of(person_port, agent_port), [])
            if not incoming or not outgoing:
                continue
            calls += 1
            arrivals = {}
            for stamp, prefix in incoming:
                arrivals.setdefault(prefix, []).append(stamp)
            relayed = set()
            for stamp, prefix in outgoing:
                earlier = [t for t in arrivals.get(prefix, []) if t <= stamp]
                if earlier:
                    latencies.append(stamp - max(earlier))
                    relayed.add(prefix)
            # In the middle of the capture (not its edges), what came in and never went out.
            for stamp, prefix in incoming:
                if first + 0.1 <= stamp <= last - 0.1:
                    sent += 1
                    lost += prefix not in relayed
        results[name] = (latencies, sent, lost, calls)
        us = lambda v: f"{v * 1e6:.0f} µs" if v is not None else "—"
        lines.append(f"{name}: {calls} calls in the capture, {len(latencies)} packets relayed: added latency p50 "
                     f"{us(common.percentile(latencies, 50))}, p99 {us(common.percentile(latencies, 99))}, "
                     f"max {us(max(latencies) if latencies else None)}; lost in the relay {lost} of {sent}")
    # How bunched the arrivals are: packets into campaignd per millisecond (SIPp's streams tick together).
    per_ms = {}
    for packets in into_port.values():
        for stamp, _ in packets:
            per_ms[int(stamp * 1000)] = per_ms.get(int(stamp * 1000), 0) + 1
    if per_ms:
        span_ms = max(per_ms) - min(per_ms) + 1
        busiest = sorted(per_ms.values())
        lines.append(f"arrivals into campaignd: {sum(busiest) / span_ms:.0f} packets per ms on average; in the busiest 1 % of "
                     f"milliseconds {common.percentile(busiest + [0] * (span_ms - len(busiest)), 99)} or more, at most {busiest[-1]}")
    stats = common.capture_stats(f'{out}/dumpcap-rtp.log')
    lines.append(f"capture: {first and last and last - first:.1f} s; dumpcap received/dropped: {stats}; "
                 f"{len(legs)} calls paired from the SIP capture")
    dropped = stats.split(" / ")[-1]
    if dropped not in ("0", "?") or (first is not None and last - first < 0.8 * run.get("capture_s", 0)):
        # The capture itself fell behind (a saturated machine): packets it missed look lost, and the
        # latencies are of what it did see. The relay's own loss is not measured by this run.
        lines.append("INVALID capture: dumpcap dropped packets or stopped early; 'lost in the relay' counts what the capture missed")
    if os.path.exists(f"{out}/schedstat.txt"):
        lines.append("campaignd's busy threads during the capture: " + "; ".join(open(f"{out}/schedstat.txt").read().split("\n")).strip("; "))
    text = "\n".join(lines) + "\n"
    open(f"{out}/summary.txt", "w").write(text)
    print(text, end="")


def schedstat(pid, seconds, path):
    """For each of campaignd's threads busy over SECONDS: CPU time run, time spent runnable but
    waiting for a CPU, and wake-ups (timeslices), from /proc/PID/task/*/schedstat."""
    def snap():
        out = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
                out[tid] = (comm, *map(int, open(f"/proc/{pid}/task/{tid}/schedstat").read().split()))
            except OSError:
                pass
        return out
    import time
    before = snap()
    time.sleep(seconds)
    after = snap()
    lines = []
    for tid, (comm, run, wait, slices) in sorted(after.items(), key=lambda item: before.get(item[0], item[1])[1] - item[1][1]):
        if tid not in before or run - before[tid][1] < seconds * 1e7:  # under 1 % of a core
            continue
        _, run0, wait0, slices0 = before[tid]
        lines.append(f"thread {tid} ({comm}): ran {(run - run0) / 1e6 / seconds:.0f} ms/s, waited for a CPU {(wait - wait0) / 1e6 / seconds:.0f} ms/s, "
                     f"{(slices - slices0) / seconds:.0f} wake-ups/s ({(wait - wait0) / max(1, slices - slices0) / 1e3:.1f} µs waited each)")
    open(path, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "noise":
        noise(args[0], int(args[1]), float(args[2]))
    elif command == "schedstat":
        schedstat(args[0], float(args[1]), args[2])
    elif command == "analyse":
        analyse(args[0])
    else:
        raise SystemExit(__doc__)

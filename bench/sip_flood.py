#!/usr/bin/env python3
"""Sends the worst SIP datagrams we can build to a running campaignd and prints its CPU per datagram.

Usage: sip_flood.py PID PORT KIND SOURCE COUNT
       sip_flood.py stream PORT SOURCE BYTES_PER_SECOND SECONDS   (a steady flood; see stream())

KIND is one of: probe (no flood, the baseline), folded (64 KB of folded continuation lines, " " and
a bare LF each), headers (as many tiny header fields "a:" as fit in 64 KB), crheaders (the same ending in bare
CRs, which never end a header section), list (one Via with
~32,000 list items), params (one To with ~32,000 parameters), maxed (as much as every parser limit
lets through: a Via of 256 elements, a To of 256 parameters, fields of 255 parameters up to 64 KB). Every flood datagram is a request with a Call-ID no call has,
the Call-ID last, so a look for it has to read the whole datagram. SOURCE is the address the flood is
sent from (127.0.0.1 is the trunk in sip-flood.sh; 127.0.0.2 is a stranger).

After each flood datagram a small OPTIONS goes from the trunk address; its 481 says the daemon has
handled everything before it, so the datagrams are never dropped by a full socket buffer. The CPU is
the sum of every thread's time on CPU (/proc/PID/task/*/schedstat, ns), before and after; the probes'
own cost is measured alone (KIND probe) and subtracted by the caller.
"""
import glob
import signal
import socket
import sys
import time

LIMIT = 65_000


def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def request(call_id, port, extra_before="", via=None, to="<sip:c@d>"):
    via = via or f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{call_id};rport"
    return (f"OPTIONS sip:campaignd@127.0.0.1 SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@b>;tag=1\r\n"
            f"To: {to}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n{extra_before}Call-ID: {call_id}\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def fill(prefix_len, unit, budget=LIMIT):
    return unit * ((budget - prefix_len) // len(unit))


def flood_datagram(kind, port):
    base = len(request("flood-0000000", port))
    if kind == "folded":
        return request("flood", port, "Subject: x\n" + fill(base + 11, " \n"))
    if kind == "headers":
        return request("flood", port, fill(base, "a:\n"))
    if kind == "crheaders":
        return request("flood", port, fill(base, "a:\r"))
    if kind == "list":
        via = f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKlist"
        via += fill(base + len(via), ",v")
        return request("flood", port, via=via)
    if kind == "params":
        return request("flood", port, to="<sip:c@d>;tag=x" + fill(base + 20, ";p"))
    if kind == "maxed":
        # Within every limit, so a trunk's copy is parsed in full and answered: a Via of 256 elements,
        # a To of 256 parameters, then fields of 255 parameters each up to 64 KB.
        via = f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKmaxed" + ",v" * 255
        to = "<sip:c@d>;tag=x" + ";p" * 255
        base = len(request("flood-0000000", port, via=via, to=to))
        field = "X-M: m" + ";p" * 255 + "\r\n"
        return request("flood", port, fill(base, field), via=via, to=to)
    raise SystemExit(f"unknown kind {kind}")


def stream(port, source, bytes_per_second, seconds):
    """Sends the worst datagrams (folded, headers, crheaders, list, params in turn) from SOURCE to
    127.0.0.1:PORT at BYTES_PER_SECOND, paced by deadlines, for SECONDS (or until killed)."""
    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    flooder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flooder.bind((source, 0))
    kinds = ["folded", "headers", "crheaders", "list", "params"]
    datagrams = [flood_datagram(kind, flooder.getsockname()[1]) for kind in kinds]
    start = time.time()
    sent_bytes = sent = 0
    try:
        while time.time() - start < seconds:
            datagram = datagrams[sent % len(datagrams)]
            due = start + sent_bytes / bytes_per_second
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            try:
                flooder.sendto(datagram, ("127.0.0.1", port))
            except OSError:
                pass
            sent += 1
            sent_bytes += len(datagram)
    except KeyboardInterrupt:
        pass  # stopped by the script (SIGTERM) once the run is over
    elapsed = time.time() - start
    print(f"stream {source} {sent} datagrams {sent_bytes} bytes {elapsed:.1f} s {sent_bytes / elapsed / 1e6:.2f} MB/s")


def main():
    if sys.argv[1] == "stream":
        stream(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
        return
    pid, port, kind, source, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    target = ("127.0.0.1", port)
    prober = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    prober.bind(("127.0.0.1", 0))
    prober.settimeout(2)
    probe_port = prober.getsockname()[1]
    flooder = prober
    if kind != "probe" and source != "127.0.0.1":
        flooder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        flooder.bind((source, 0))

    def probe(n):
        call_id = f"probe-{n}"
        prober.sendto(request(call_id, probe_port), target)
        while True:
            data = prober.recv(70_000)
            if f"Call-ID: {call_id}\r\n".encode() in data or f"i: {call_id}\r\n".encode() in data:
                return

    # The daemon is up when a probe is answered (bounded: 10 s).
    deadline = time.time() + 10
    while True:
        try:
            probe(-1)
            break
        except socket.timeout:
            if time.time() > deadline:
                raise SystemExit("campaignd did not answer on the SIP port")
    datagram = flood_datagram(kind, flooder.getsockname()[1]) if kind != "probe" else None
    if datagram is not None:
        assert len(datagram) <= 65_535, len(datagram)
    before = cpu_ns(pid)
    started = time.time()
    for n in range(count):
        if datagram is not None:
            flooder.sendto(datagram, target)
        probe(n)
    elapsed = time.time() - started
    spent = cpu_ns(pid) - before
    size = len(datagram) if datagram else 0
    print(f"{kind} {source} {count} {size} {spent} {elapsed:.3f}")


if __name__ == "__main__":
    main()

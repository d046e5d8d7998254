"""Helpers of bench/console-poll.sh.

  console_poll.py fill DB CAMPAIGN...        one finished attempt per contact of each campaign, in that order
  console_poll.py measure PID PORT KEY N PATH...   daemon CPU and wall time per request, N requests per PATH
                                                   (fewer, at least 5, where N would take over 30 s)

`fill` writes the rows `QueueStore.finish` leaves (attempt, outcome, AMD verdict, cdr_seq, the contact's
final state) straight into the daemon's database, spread over the 20 days before now, outcomes as the
demo's SIPp callee gives them by the number's last digit (0-5 answer, 6-7 busy, 8 no answer, 9 declined;
answers judged a person or, for 4 and 5, a machine). The CDR files are then written by the daemon itself
(its CDR writer catches up from cdr_seq at start).
"""
import http.client
import os
import sqlite3
import statistics
import sys
import time
import uuid

DAY_MS = 86_400_000


def fill(db_path, campaigns):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    contacts = []
    for campaign in campaigns:
        rows = db.execute(
            "SELECT c.id, c.campaign_key, c.target FROM contacts c JOIN campaigns k ON k.key = c.campaign_key"
            " WHERE k.id = ? ORDER BY c.id", (campaign,)).fetchall()
        if not rows:
            sys.exit(f"campaign {campaign} has no contacts")
        contacts += rows
    now = int(time.time() * 1000)
    start = now - 20 * DAY_MS
    step = (20 * DAY_MS - 3_600_000) // len(contacts)
    seq = db.execute("SELECT COALESCE(MAX(cdr_seq), 0) FROM attempts").fetchone()[0]
    attempts = []
    states = []
    for i, (contact_id, campaign_key, target) in enumerate(contacts):
        digit = int(target[-1]) if target[-1].isdigit() else 0
        begin = start + i * step
        ring = begin + 200
        seq += 1
        if digit <= 5:
            connect, end = begin + 2_000, begin + 32_000
            status, reason, sip = "completed", "client-disconnected", None
            amd, amd_ms, beep = ("amd_human_detected", 1_600, 0) if digit <= 3 else ("amd_machine_detected", 3_500, 1)
            state = "done"
        else:
            connect, amd, amd_ms, beep = None, None, None, None
            status, state = "failed", "failed"
            reason, sip, end = {6: ("busy", 486, begin + 400), 7: ("busy", 486, begin + 400),
                                8: ("no-answer", 487, begin + 25_000), 9: ("declined", 603, begin + 3_000)}[digit]
        attempts.append((str(uuid.uuid4()), contact_id, campaign_key, 1, str(uuid.uuid4()), f"{uuid.uuid4().hex}@campaignd",
                         target, "+15550001111", "sipp", 1, begin, ring, connect, end, status, reason, sip, amd, amd_ms, beep,
                         0, seq, "America/New_York", "number"))
        states.append((state, contact_id))
    db.executemany("""
        INSERT INTO attempts (cdr_id, contact_id, campaign_key, attempt, conversation_id, sip_call_id, target, caller, trunk,
                              invite_sent, start_time, ring_time, connect_time, disconnect_time, status, reason_code, sip_code,
                              machine_detection, amd_decision_ms, beep_detected, will_retry, cdr_seq, time_zones, zone_source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", attempts)
    db.executemany("UPDATE contacts SET state = ?, attempts = 1 WHERE id = ?", states)
    db.commit()
    print(f"{len(attempts)} attempts in {len(campaigns)} campaigns, cdr_seq up to {seq}")


def cpu_ms(pid):
    """User and system CPU of process `pid`, in ms."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(pid, port, key, count, paths):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": "Bearer " + key}
    # The daemon's own CPU while idle (its CDR writer and dispatcher look around now and then).
    before, started = cpu_ms(pid), time.monotonic()
    time.sleep(3)
    idle = (cpu_ms(pid) - before) / (time.monotonic() - started)
    print(f"idle: {idle:.2f} ms CPU per second")
    print(f"{'request':40} {'requests':>8} {'CPU ms/req':>10} {'p50 ms':>8} {'p90 ms':>8} {'bytes':>9}")
    for path in paths:
        connection.request("GET", path, headers=headers)  # once first: the first answer warms caches
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body[:200])
        walls = []
        before, started = cpu_ms(pid), time.monotonic()
        for done in range(count):
            if done >= 5 and time.monotonic() - started > 30:
                break
            t = time.monotonic()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            walls.append((time.monotonic() - t) * 1000)
        elapsed = time.monotonic() - started
        used = cpu_ms(pid) - before - idle * elapsed
        walls.sort()
        print(f"{path:40} {len(walls):8} {used / len(walls):10.2f} {statistics.median(walls):8.2f} {walls[int(len(walls) * 0.9)]:8.2f} {len(body):9}")


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "measure":
        measure(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6:])
    else:
        sys.exit(__doc__)

"""Helpers of bench/idle-cpu.sh.

  idle_cpu.py cdrs-written DB            counts every finished attempt's CDR line as written (the daemon
                                         does not write the files at start; idle is what is measured)
  idle_cpu.py scenario DB NAME [N]       sets the contacts up for scenario NAME (below), N contacts (1,000)
  idle_cpu.py measure PID SECONDS        the process's CPU (user + system) per second over SECONDS

Scenarios, each from the data directory `console_poll.py fill` leaves (every contact finished):
  finished   as it is: nothing to dial
  retry      the N newest contacts of `summer` wait for a retry due in an hour (`retry_wait`)
  deferred   the N newest contacts of `summer` are pending and deferred by a day, as a closed calling
             window leaves them (`QueueStore.deferContact`)
The contacts are changed with plain UPDATEs, so the database's own triggers keep `contact_counts`.
"""
import os
import sqlite3
import statistics
import sys
import time

from console_poll import cpu_ms


def cdrs_written(db_path):
    db = sqlite3.connect(db_path)
    db.execute("UPDATE cdr_progress SET written_through = (SELECT COALESCE(MAX(cdr_seq), 0) FROM attempts) WHERE id = 1")
    db.commit()


def scenario(db_path, name, count):
    db = sqlite3.connect(db_path)
    now = int(time.time() * 1000)
    ids = [row[0] for row in db.execute(
        "SELECT c.id FROM contacts c JOIN campaigns k ON k.key = c.campaign_key WHERE k.id = 'summer' ORDER BY c.id DESC LIMIT ?",
        (count,))]
    # Back to finished first, whichever scenario ran before.
    db.execute("UPDATE contacts SET state = 'done', next_attempt_at = 0 WHERE state IN ('pending', 'retry_wait')")
    if name == "retry":
        db.executemany("UPDATE contacts SET state = 'retry_wait', next_attempt_at = ? WHERE id = ?", [(now + 3_600_000, i) for i in ids])
    elif name == "deferred":
        db.executemany("UPDATE contacts SET state = 'pending', next_attempt_at = ? WHERE id = ?", [(now + 86_400_000, i) for i in ids])
    elif name != "finished":
        sys.exit(f"unknown scenario {name}")
    db.commit()
    counts = dict(db.execute("SELECT state, COUNT(*) FROM contacts GROUP BY state").fetchall())
    print(f"scenario {name}: contacts by state {counts}")


def measure(pid, seconds):
    samples = []
    first = last = cpu_ms(pid)
    started = previous = time.monotonic()
    for second in range(seconds):
        time.sleep(max(0.0, started + second + 1 - time.monotonic()))
        now, used = time.monotonic(), cpu_ms(pid)
        samples.append((used - last) / (now - previous))
        last, previous = used, now
    total = (last - first) / (previous - started)
    print(f"{total:.2f} ms CPU per second over {previous - started:.1f} s "
          f"(per second: median {statistics.median(samples):.1f}, max {max(samples):.1f}; clock tick {1000 / os.sysconf('SC_CLK_TCK'):.0f} ms)")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "cdrs-written":
        cdrs_written(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "scenario":
        scenario(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1000)
    elif len(sys.argv) == 4 and sys.argv[1] == "measure":
        measure(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)

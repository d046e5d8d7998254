#!/usr/bin/env python3
"""Takes SQLite's write lock on DB the way a claim does (BEGIN IMMEDIATE ... COMMIT), RATE times a
second, until the file STOP exists; prints how long each wait for the lock was (max, p99, count of
takes that failed with "database is locked" after 5 s, as a claim would have).

Usage: import_stall.py DB STOP [RATE] [--retry-every-ms]   (waits for DB to exist). By default it
waits the way campaignd's connections do: SQLite's own busy handler, sqlite3_busy_timeout(5000),
which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between tries. --retry-every-ms
retries every millisecond instead (what campaignd did for a while, and what earlier figures used)."""
import os, sqlite3, sys, time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
every_ms = "--retry-every-ms" in sys.argv
db, stop = args[0], args[1]
rate = float(args[2]) if len(args) > 2 else 50.0
while not os.path.exists(db):
    time.sleep(0.01)
# Python's timeout is sqlite3_busy_timeout (in seconds).
con = sqlite3.connect(db, timeout=0 if every_ms else 5.0, isolation_level=None)
waits = []
failed = 0
next_at = time.monotonic()
while not os.path.exists(stop):
    start = time.monotonic()
    while True:
        try:
            con.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if not every_ms:
                failed += 1  # SQLite's handler gave up after 5 s: a claim would have failed here
            time.sleep(0.001)
    waited = time.monotonic() - start
    con.execute("COMMIT")
    waits.append(waited)
    if every_ms and waited > 5.0:
        failed += 1
    next_at += 1.0 / rate
    time.sleep(max(0.0, next_at - time.monotonic()))
waits.sort()
p99 = waits[int(len(waits) * 0.99)] if waits else 0.0
print(f"lock takes={len(waits)} max_wait_ms={waits[-1] * 1000 if waits else 0:.1f} p99_wait_ms={p99 * 1000:.1f} over_5s={failed}")

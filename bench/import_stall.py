#!/usr/bin/env python3
"""Takes SQLite's write lock on DB the way a claim does (BEGIN IMMEDIATE ... COMMIT), RATE times a
second, until the file STOP exists; prints how long each wait for the lock was (max, p99, count of
waits over 5 s, which a claim would have failed with "database is locked").

Usage: import_stall.py DB STOP [RATE]   (waits for DB to exist; retries every millisecond, as
campaignd's connections do)."""
import os, sqlite3, sys, time

db, stop = sys.argv[1], sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
while not os.path.exists(db):
    time.sleep(0.01)
con = sqlite3.connect(db, timeout=0, isolation_level=None)
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
            time.sleep(0.001)
    waited = time.monotonic() - start
    con.execute("COMMIT")
    waits.append(waited)
    if waited > 5.0:
        failed += 1
    next_at += 1.0 / rate
    time.sleep(max(0.0, next_at - time.monotonic()))
waits.sort()
p99 = waits[int(len(waits) * 0.99)] if waits else 0.0
print(f"lock takes={len(waits)} max_wait_ms={waits[-1] * 1000 if waits else 0:.1f} p99_wait_ms={p99 * 1000:.1f} over_5s={failed}")

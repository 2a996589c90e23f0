"""The embedded default (`make run`): SQLite in WAL mode with a busy timeout and IMMEDIATE transactions,
so the web process and two worker processes writing at once never meet “database is locked”."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITERS = """
import multiprocessing, sys, time
import django
django.setup()
from django.db import OperationalError, connection, transaction

def writer(n):
    errors = 0
    for i in range(40):
        try:
            # A read that turns into a write: with SQLite's default (DEFERRED) transactions, two
            # processes doing this at once make one fail at once with "database is locked".
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SELECT count(*) FROM t")
                    cur.fetchone()
                    time.sleep(0.005)
                    cur.execute("INSERT INTO t (writer, i) VALUES (%s, %s)", [n, i])
        except OperationalError as exc:
            errors += 1
            print("error", exc, flush=True)
    return errors

if __name__ == "__main__":
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS t (writer integer, i integer)")
        cur.execute("PRAGMA journal_mode")
        print("journal_mode", cur.fetchone()[0])
        cur.execute("PRAGMA busy_timeout")
        print("busy_timeout", cur.fetchone()[0])
    connection.close()
    with multiprocessing.get_context("fork").Pool(3) as pool:
        errors = sum(pool.map(writer, range(3)))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM t")
        print("rows", cur.fetchone()[0])
    print("errors", errors)
"""


def test_three_processes_writing_at_once_on_the_embedded_sqlite_never_fail(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="qingpu_portal.settings",
        DEBUG="false",
        SECRET_KEY="a-long-random-secret-key-for-this-test-only-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        VAR_DIR=str(tmp_path),
    )
    script = tmp_path / "writers.py"
    script.write_text(WRITERS)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["journal_mode"] == "wal"
    assert int(lines["busy_timeout"]) >= 30_000
    assert lines["errors"] == "0", result.stdout[-3000:]
    assert lines["rows"] == "120"
    assert (tmp_path / "db.sqlite3").exists()

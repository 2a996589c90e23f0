"""Private PostgreSQL and Redis for the fault tests — never the shared ones: these get stopped.

The servers run on spare ports in a temporary folder (PostgreSQL as the ``postgres`` OS user when the
tests run as root, since PostgreSQL refuses to run as root). The portal's worker and beat run as real
processes against them, with short sweeper periods and back-off (the JOBS_* settings), and the test
drives the portal through ``manage.py`` subprocesses with the same environment. Nothing here touches
the pytest-django test database.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))

# Short periods so a fault resolves in seconds, not the production minutes.
FAULT_SETTINGS = {
    "JOBS_DISPATCH_SECONDS": "1",
    "JOBS_SWEEP_SECONDS": "2",
    "JOBS_STALE_SECONDS": "10",
    "JOBS_RETRY_BACKOFF_SECONDS": "1",
    "JOBS_RETRY_BACKOFF_MAX_SECONDS": "4",
    "JOBS_RETRY_MAX": "15",
    "JOBS_BROKER_BACKOFF_SECONDS": "0",
    "WORKER_HEARTBEAT_SECONDS": "1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # a server coming back: keep asking
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"{what}: not reached in {timeout} s (last: {last!r})")


class PrivatePostgres:
    def __init__(self, base: Path):
        self.base = base
        self.data = base / "data"
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(base, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args, check=True):
        return subprocess.run([*self.as_owner, *map(str, args)], check=check, capture_output=True, text=True)

    def init(self):
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "qp_faults")

    def start(self):
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.base / "server.log", "-o", options, "-w", "start"
        )

    def stop(self):
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/qp_faults"

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = psycopg2.connect(self.url, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()


class PrivateRedis:
    def __init__(self, base: Path):
        self.base = base
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.base,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._pong, 20, "private Redis started")

    def _pong(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1).ping()

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Portal:
    """The portal's processes on the private servers: ``manage.py`` calls, a worker, a beat."""

    def __init__(self, base: Path, pg: PrivatePostgres, broker: PrivateRedis):
        self.base = base
        self.pg = pg
        self.broker = broker
        self.worker = None
        self.beat = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "qingpu_portal.test_settings",
            "DATABASE_URL": pg.url,
            "REDIS_URL": broker.url,
            "CELERY_QUEUE": "faults",
            "VAR_DIR": str(base / "var"),
            "MEDIA_ROOT": str(base / "media"),
            **FAULT_SETTINGS,
        }

    def python(self, code: str, timeout: float = 300):
        """Run ``code`` with Django set up; returns what it printed last as JSON (``emit(value)``)."""
        script = "import django, json\ndjango.setup()\ndef emit(v):\n    print('@@' + json.dumps(v, default=str))\n"
        result = subprocess.run(
            [PYTHON, "-c", script + textwrap.dedent(code)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"script failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
        lines = [line for line in result.stdout.splitlines() if line.startswith("@@")]
        return json.loads(lines[-1][2:]) if lines else None

    def manage(self, *args, timeout: float = 600):
        subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start_worker(self):
        log = open(self.base / "worker.log", "a")  # noqa: SIM115 - closed with the process
        self.worker = subprocess.Popen(
            [CELERY, "-A", "qingpu_portal", "worker", "--loglevel=INFO", "--concurrency=2", "-Q", "faults",
             "-n", f"faults-{time.monotonic_ns()}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: " ready." in (self.base / "worker.log").read_text(), 90, "worker ready")

    def kill_worker(self):
        """``kill -9`` of the worker and its children (the whole process group), nothing graceful."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=20)
        self.worker = None
        (self.base / "worker.log").write_text("")

    def stop_worker(self):
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker = None

    def start_beat(self):
        log = open(self.base / "beat.log", "a")  # noqa: SIM115
        self.beat = subprocess.Popen(
            [CELERY, "-A", "qingpu_portal", "beat", "--loglevel=INFO", f"--schedule={self.base / 'beat-schedule'}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def stop_beat(self):
        if self.beat is not None:
            os.killpg(self.beat.pid, signal.SIGTERM)
            self.beat.wait(timeout=30)
            self.beat = None

    def job(self, job_id: str) -> dict:
        rows = self.pg.query("SELECT status, progress, log FROM core_job WHERE id = %s", (job_id,))
        status, progress, log = rows[0]
        return {"status": status, "progress": progress, "log": log}

    def wait_job(self, job_id: str, timeout: float) -> dict:
        wait_until(
            lambda: self.job(job_id)["status"] in ("succeeded", "failed"), timeout, f"job {job_id} finished"
        )
        return self.job(job_id)

    def renders(self, job_id: str) -> dict[str, int]:
        rows = self.pg.query(
            "SELECT status, count(*) FROM reports_reportrender WHERE job_id = %s GROUP BY status", (job_id,)
        )
        return dict(rows)


@pytest.fixture(scope="session")
def portal():
    """Private PostgreSQL + Redis, migrated and seeded with the demo — except that the 2025 cycle is
    left in scoring (results computed, not published), for the publication under a broker outage."""
    for tool in (PG_BIN / "initdb", shutil.which("redis-server")):
        assert tool and Path(tool).exists(), f"{tool} is needed (postgresql-15 and redis-server packages)"
    base = Path(tempfile.mkdtemp(prefix="qp-faults-"))
    base.chmod(0o755)
    (base / "pg").mkdir()
    pg = PrivatePostgres(base / "pg")  # a folder the postgres user owns
    broker = PrivateRedis(base)
    pg.init()
    broker.start()
    app = Portal(base, pg, broker)
    try:
        app.manage("migrate", "--noinput")
        app.python(
            """
            from django.core.management import call_command
            from evaluations import services
            services.cycle_publish = lambda **kwargs: None  # leave 2025 in scoring
            call_command("seed_demo")
            """,
            timeout=900,
        )
        app.start_worker()
        app.start_beat()
        yield app
    finally:
        app.stop_beat()
        app.stop_worker()
        broker.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)

"""Fixtures for the whole suite: a real Celery worker on Redis, headless Chromium, demo data, people."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.testing import require

ROOT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# ---- Celery worker --------------------------------------------------------------------------------
def _database_url_for(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{password}" if password else user
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on the test database and a private Redis queue."""
    from django.conf import settings
    from django.db import connection

    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = settings.CELERY_BROKER_URL
    require(broker.startswith("redis"), "Redis (REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(broker).ping()
    except redis.exceptions.ConnectionError:
        require(False, f"a running Redis at {broker}")
    redis.Redis.from_url(broker).delete(settings.CELERY_TASK_DEFAULT_QUEUE)

    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qingpu_portal.test_settings",
        "DATABASE_URL": _database_url_for(settings.DATABASES["default"]),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    celery = Path(sys.executable).with_name("celery")
    cmd = [
        str(celery),
        "-A",
        "qingpu_portal",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"test-{os.getpid()}@%h",
        "-Q",
        settings.CELERY_TASK_DEFAULT_QUEUE,
    ]
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Celery worker exited early:\n{log_path.read_text()}")
        if " ready." in log_path.read_text():
            break
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"Celery worker did not start in 60 s:\n{log_path.read_text()}")
    proc.log_path = log_path
    proc.node_name = cmd[cmd.index("-n") + 1].replace("%h", socket.gethostname())
    _SESSION_WORKER.append(proc)
    yield proc
    _SESSION_WORKER.clear()
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def worker(celery_worker_process, transactional_db):
    """Use in tests whose jobs must run on the real worker (data is committed, not rolled back).

    On teardown — before the database is flushed — the test's queue is purged and the worker is
    waited for until it runs nothing: a task still writing while the flush truncates would deadlock
    and leave the next test a dirty database."""
    yield celery_worker_process
    _drain_worker(celery_worker_process)


_SESSION_WORKER: list = []  # the worker above, once a test of this process has started it


def drain_session_worker() -> None:
    """For a test that queues work without asking for the worker: if an earlier test of this process
    started the session's worker, it may be running that work now; wait until it has finished, so
    the test's flush never meets a task still writing (a deadlock)."""
    for proc in _SESSION_WORKER:
        _drain_worker(proc)


def _drain_worker(proc, timeout: float = 120) -> None:
    import redis
    from django.conf import settings

    from qingpu_portal.celery import app

    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
        inspect = app.control.inspect(destination=[proc.node_name], timeout=1.0)
        busy = [t for tasks in (inspect.active() or {}).values() for t in tasks]
        busy += [t for tasks in (inspect.reserved() or {}).values() for t in tasks]
        if not busy:
            return
        time.sleep(0.3)
    raise AssertionError(f"the Celery worker was still busy {timeout} s after the test ended")


def wait_for_job(job, timeout: float = 60):
    """Poll a core.Job row until it has finished; returns it refreshed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status} at {job.progress}% after {timeout} s:\n{job.log}")


@pytest.fixture
def job_waiter():
    return wait_for_job


# ---- Browser --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(Path(CHROMIUM).exists(), f"Debian's Chromium ({CHROMIUM}; apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def login(live_server):
    """Log a Playwright page in through the real login form."""
    from core.testing import TEST_PASSWORD

    def _login(page, username: str, password: str = TEST_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        if "/accounts/login/verify/" in page.url:  # enrolled in two-factor: type the app's code
            from accounts.models import User
            from core.testing import current_code, enrol_two_factor

            device = enrol_two_factor(User.objects.get(username=username))
            page.get_by_label("动态验证码或恢复码").fill(current_code(device))
            page.get_by_role("button", name="验证并登录").click()
            page.wait_for_load_state()
        return page

    return _login


# ---- Data ------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_district_cache():
    """current_district() is kept per process and cleared when a District/StreetTown is saved; a test's
    rolled-back transaction (or a restored snapshot) must not leave the next test a district that is
    gone, so every test starts and ends with an empty cache."""
    from centers.selectors import clear_district_cache

    clear_district_cache()
    yield
    clear_district_cache()


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker):
    """seed_demo once per session, in a transaction that is rolled back, captured as a snapshot."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.testing import DatabaseSnapshot

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        snapshot = DatabaseSnapshot.take(connection)
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def demo(db, demo_snapshot):
    """The demo data set, as `make run` loads it (with the test password). Restored from a snapshot
    taken once per session, so using it costs a fraction of a second."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from guardian.shortcuts import clear_ct_cache

    demo_snapshot.restore(connection)
    yield True
    # The restored rows go away with the test's transaction (or flush); ids cached meanwhile must too.
    ContentType.objects.clear_cache()
    clear_ct_cache()


@pytest.fixture(scope="session", autouse=True)
def report_fonts():
    """The PDF reports' font, built once per checkout. `make test` builds it before pytest, so this
    normally finds it ready; run alone, pytest builds it here (about 15 s, once)."""
    import io

    from django.core.management import call_command

    call_command("build_report_fonts", stdout=io.StringIO())


@pytest.fixture
def pdf_tools():
    for tool in ("pdftotext", "pdffonts", "pdfinfo", "pdfimages"):
        require(shutil.which(tool) is not None, f"{tool} (Debian package poppler-utils)")
    return True

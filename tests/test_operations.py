"""Operations: liveness/readiness/health answers, container checks, request logs, the base URL."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.roles import Role
from core.models import WorkerHeartbeat
from core.testing import make_user

ROOT = Path(__file__).resolve().parent.parent
NO_HEARTBEAT = "最近 3 秒内没有后台 worker 的心跳"  # WORKER_HEARTBEAT_SECONDS=1 in the tests


def run_portal(code: str, **env_overrides) -> subprocess.CompletedProcess:
    """Run ``code`` after django.setup() with production-like settings (no database needed)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PORTAL_BASE_URL", "PORT", "LOG_FORMAT"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "qingpu_portal.settings",
            "DEBUG": "false",
            "SECRET_KEY": "a-long-random-secret-key-for-this-test-only-0123456789",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_HTTPS": "false",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/never_connected",
        }
    )
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# ---- /livez, /readyz, /healthz -------------------------------------------------------------------
@pytest.mark.django_db
def test_it_answers_liveness_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def no_worker_heartbeat(db):
    """No worker has beaten: the suite's own worker, if one runs, has its heartbeat row taken away inside
    the test's transaction (its next beat waits on that row until the test rolls back)."""
    WorkerHeartbeat.objects.all().delete()


@pytest.mark.django_db
def test_anonymous_gets_only_the_verdict_of_readiness_and_health(
    client, django_assert_num_queries, no_worker_heartbeat
):
    with django_assert_num_queries(2):  # SELECT 1 and the worker heartbeat
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}  # ready without a worker: pages do not need it
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "degraded"}  # no detail for the public


@pytest.mark.django_db
def test_a_logged_in_user_who_is_not_staff_gets_no_detail(client, no_worker_heartbeat):
    client.force_login(make_user("director_h", Role.DIRECTOR))
    assert client.get("/readyz").json() == {"status": "ok"}
    assert client.get("/healthz").json() == {"status": "degraded"}


@pytest.mark.django_db
def test_staff_see_readiness_report_the_missing_worker_without_failing(client, no_worker_heartbeat):
    client.force_login(make_user("staff_ready", Role.BUREAU))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": NO_HEARTBEAT, "storage": "ok"},
    }
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["worker"] == NO_HEARTBEAT


@pytest.mark.django_db
def test_health_is_ok_once_a_worker_heartbeat_is_fresh(client):
    WorkerHeartbeat.objects.create(hostname="celery@somewhere", last_seen=timezone.now())
    client.force_login(make_user("staff_ok", Role.BUREAU))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "storage": "ok"},
    }


@pytest.mark.django_db
def test_readiness_fails_when_storage_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    client.force_login(make_user("staff_disk", Role.BUREAU))
    assert client.get("/readyz").json()["checks"]["storage"].startswith("异常：")


# ---- manage.py healthcheck (docker-compose) -----------------------------------------------------
def test_web_check_sends_a_host_the_production_allowed_hosts_accept(live_server, settings):
    settings.ALLOWED_HOSTS = ["portal.example.cn"]  # production: 127.0.0.1 is not an allowed host
    url = f"{live_server.url}/readyz"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 400  # what the old compose check got

    out = _call("healthcheck", "web", "--url", url)
    assert out == f"web 正常：{url}"


def test_web_check_fails_when_nothing_answers():
    with pytest.raises(CommandError, match="web 无响应：http://127.0.0.1:9/readyz"):
        _call("healthcheck", "web", "--url", "http://127.0.0.1:9/readyz", "--timeout", "2")


@pytest.mark.django_db
def test_worker_check_reads_this_workers_heartbeat():
    with pytest.raises(CommandError, match=f"worker celery@box-1 异常：{NO_HEARTBEAT}"):
        _call("healthcheck", "worker", "--hostname", "celery@box-1")
    WorkerHeartbeat.objects.create(hostname="celery@box-2", last_seen=timezone.now())
    with pytest.raises(CommandError):  # another worker's heartbeat does not make this one healthy
        _call("healthcheck", "worker", "--hostname", "celery@box-1")
    WorkerHeartbeat.objects.create(hostname="celery@box-1", last_seen=timezone.now() - timedelta(seconds=10))
    with pytest.raises(CommandError):  # stale
        _call("healthcheck", "worker", "--hostname", "celery@box-1")
    WorkerHeartbeat.objects.filter(hostname="celery@box-1").update(last_seen=timezone.now())
    assert _call("healthcheck", "worker", "--hostname", "celery@box-1") == "worker celery@box-1 正常"


def test_beat_check_reads_the_heartbeat_the_scheduler_touches(settings, tmp_path):
    from celery.beat import PersistentScheduler

    from core.beat import HeartbeatScheduler
    from qingpu_portal.celery import app

    settings.BEAT_HEARTBEAT_FILE = tmp_path / "beat-heartbeat"
    with pytest.raises(CommandError, match="beat 尚未运行"):
        _call("healthcheck", "beat")

    assert issubclass(HeartbeatScheduler, PersistentScheduler)
    assert app.conf.beat_scheduler == "core.beat:HeartbeatScheduler"
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    scheduler.tick()
    assert _call("healthcheck", "beat").startswith("beat 正常：")

    old = time.time() - 600
    os.utime(settings.BEAT_HEARTBEAT_FILE, (old, old))
    with pytest.raises(CommandError, match="已 6\\d\\d 秒未更新（上限 180 秒）"):
        _call("healthcheck", "beat")


def _call(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


# ---- request logs --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_request_logs_id_user_path_status_and_duration(client, caplog, settings):
    user = make_user("logged_director", Role.DIRECTOR)
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get("/?x=1")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "portal.request"]
    assert record.request_id == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", record.request_id)
    assert (record.user, record.method, record.path, record.status) == ("logged_director", "GET", "/", 200)
    assert 0 < record.duration_ms < 10_000

    line = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]).format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO portal\.request "
        rf"\[{record.request_id} logged_director\] GET / 200 \d+\.\dms user=logged_director",
        line,
    ), line


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.request"):
        kept = client.get("/livez", HTTP_X_REQUEST_ID="edge-7f3a")
        forged = client.get("/livez", HTTP_X_REQUEST_ID="x\n2026-01-01 INFO fake line")
    assert kept["X-Request-ID"] == "edge-7f3a"
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
    records = [r for r in caplog.records if r.name == "portal.request"]
    assert [(r.request_id, r.user, r.status) for r in records] == [
        ("edge-7f3a", "-", 200),
        (forged["X-Request-ID"], "-", 200),
    ]


@pytest.mark.django_db
def test_log_lines_inside_a_request_carry_its_id(client, caplog):
    """Other loggers (here axes, on a login) get the request id through the console filter."""
    from core.request_log import RequestContextFilter
    from core.testing import TEST_PASSWORD

    make_user("login_logged", Role.DIRECTOR)
    caplog.handler.addFilter(RequestContextFilter())  # the filter settings.LOGGING puts on the console
    with caplog.at_level(logging.INFO):
        response = client.post("/accounts/login/", {"username": "login_logged", "password": TEST_PASSWORD})
    axes_lines = [r for r in caplog.records if r.name.startswith("axes")]
    assert axes_lines and {r.request_id for r in axes_lines} == {response["X-Request-ID"]}
    request_line = next(r for r in caplog.records if r.name == "portal.request")
    assert (request_line.path, request_line.status, request_line.user) == (
        "/accounts/login/",
        302,
        "login_logged",
    )
    missing = client.get("/no-such-page/")
    request_line = [r for r in caplog.records if r.name == "portal.request"][-1]
    assert (request_line.status, request_line.levelname) == (404, "WARNING")
    assert request_line.request_id == missing["X-Request-ID"]
    outside = logging.makeLogRecord({})
    RequestContextFilter().filter(outside)
    assert (outside.request_id, outside.user) == ("-", "-")


def test_log_format_json_writes_one_json_object_per_line():
    result = run_portal(
        "from django.test import Client\n"
        "r = Client().get('/livez', HTTP_X_REQUEST_ID='req-42')\n"
        "print(r.status_code)",
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200"
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (entry,) = [e for e in lines if e.get("name") == "portal.request"]
    assert entry["request_id"] == "req-42"
    assert entry["user"] == "-"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/livez", 200)
    assert isinstance(entry["duration_ms"], float)
    assert entry["levelname"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", entry["timestamp"])
    assert entry["message"].startswith("GET /livez 200 ")


def test_text_logs_are_time_stamped_outside_requests_too():
    result = run_portal("import logging; logging.getLogger('portal.test').warning('磁盘空间不足')")
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING portal\.test \[- -\] 磁盘空间不足$",
        result.stderr,
        re.MULTILINE,
    ), result.stderr


def test_it_refuses_an_unknown_log_format_naming_the_variable():
    result = run_portal("", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml': use text or json" in result.stderr


# ---- PORTAL_BASE_URL follows PORT --------------------------------------------------------------
VERIFY_URL = (
    "from reports.models import ReportDocument\n"
    "print(ReportDocument(verification_code='ABCDEFGHJKMN').verification_url)"
)


def test_the_verification_url_follows_port_when_no_base_url_is_set():
    result = run_portal(VERIFY_URL, PORT="8123")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("http://127.0.0.1:8123/reports/verify/")


def test_the_verification_url_says_8000_without_port():
    result = run_portal(VERIFY_URL)
    assert result.stdout.strip().startswith("http://127.0.0.1:8000/reports/verify/"), result.stderr


def test_an_explicit_base_url_wins_over_port():
    result = run_portal(VERIFY_URL, PORT="8123", PORTAL_BASE_URL="https://portal.example.cn/")
    assert result.stdout.strip().startswith("https://portal.example.cn/reports/verify/"), result.stderr


def test_it_refuses_a_bad_port_naming_the_variable():
    result = run_portal("", PORT="eighty")
    assert result.returncode != 0
    assert "PORT='eighty' is not a whole number" in result.stderr


# ---- with the real worker ------------------------------------------------------------------------
@pytest.mark.worker
def test_worker_check_passes_for_a_running_worker_and_its_log_is_time_stamped(worker):
    deadline = time.monotonic() + 20
    while True:
        try:
            out = _call("healthcheck", "worker", "--hostname", worker.node_name)
            break
        except CommandError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert out == f"worker {worker.node_name} 正常"
    log = Path(worker.log_path).read_text()
    assert re.search(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO celery\.\S+ \[- -\] .*ready\.$", log, re.M
    ), log


def test_backup_takes_every_media_file_but_previews_probes_and_its_own_folder(settings, tmp_path):
    from core.backup import media_files

    media = tmp_path / "media"
    for name in (
        "reports/a.pdf",
        "evidence/2024/b.pdf",
        "imports/preview.xlsx",
        "healthz/x.txt",
        "backups/old.tar",
    ):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"x")
    settings.MEDIA_ROOT = media
    names = [name for name, _path in media_files(exclude=media / "backups")]
    assert names == ["media/evidence/2024/b.pdf", "media/reports/a.pdf"]


def test_log_lines_of_a_task_carry_its_id(caplog):
    from celery import shared_task

    from core.request_log import RequestContextFilter

    @shared_task(name="tests.operations.log_something")
    def log_something():
        logging.getLogger("portal.test").warning("任务中的日志")

    caplog.handler.addFilter(RequestContextFilter())
    log_something.apply(task_id="abc-123")  # runs here, with the task signals
    (line,) = [r for r in caplog.records if r.name == "portal.test"]
    assert line.request_id == "task:abc-123"
    outside = logging.makeLogRecord({})
    RequestContextFilter().filter(outside)
    assert outside.request_id == "-"  # unbound after the task


# ---- docker-compose, kept correct by reading ------------------------------------------------------
def test_compose_checks_web_worker_and_beat_with_the_portals_own_health_command():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for component in ("web", "worker", "beat"):
        test = services[component]["healthcheck"]["test"]
        assert test[:5] == ["CMD", "python", "manage.py", "healthcheck", component], test
        assert "127.0.0.1:8000/healthz" not in " ".join(test)  # the old check production refused (400)
    beat_command = services["beat"]["command"]
    max_interval = int(next(a for a in beat_command if a.startswith("--max-interval=")).split("=")[1])
    beat_test = services["beat"]["healthcheck"]["test"]
    assert int(beat_test[beat_test.index("--max-age") + 1]) >= 2 * max_interval
    assert not any("/data/media" in a for a in beat_command)  # beat's state is not in the backed-up media
    # The nightly backup runs on the worker and needs pg_dump/psql in the image and a volume to write to.
    env = services["worker"]["environment"]
    assert f"backups:{env['BACKUP_DIR']}" in services["worker"]["volumes"]
    assert "backups" in compose["volumes"]
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text()

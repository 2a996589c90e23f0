"""Health checks behind /livez, /readyz and /healthz, and the container checks of docker-compose.

- ``/livez``: the web process answers (no database, no broker): restart it when this fails.
- ``/readyz``: the web can serve pages: database and storage must be ok; the broker and the worker
  are reported but do not fail it (pages keep working while the worker is down; jobs wait).
- ``/healthz``: the whole system for monitoring: any failing check answers 503.

Anonymous callers get only the verdict; the checks' detail is for logged-in staff (``is_staff``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

OK = "ok"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_broker() -> str:
    from qingpu_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


def worker_heartbeat_window() -> int:
    return 3 * settings.WORKER_HEARTBEAT_SECONDS


def check_worker(hostname: str | None = None) -> str:
    """A worker (or the named one) wrote its heartbeat within three heartbeat periods."""
    from .models import WorkerHeartbeat

    cutoff = timezone.now() - timedelta(seconds=worker_heartbeat_window())
    beats = WorkerHeartbeat.objects.filter(last_seen__gte=cutoff)
    if hostname:
        beats = beats.filter(hostname=hostname)
    if beats.exists():
        return OK
    return f"最近 {worker_heartbeat_window()} 秒内没有后台 worker 的心跳"


def check_storage() -> str:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return OK


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
    "storage": check_storage,
}
# What the web needs to serve pages; the other checks are only reported by /readyz.
READINESS_REQUIRED = ("database", "storage")


def run_checks(required: tuple[str, ...] | None = None) -> tuple[bool, dict[str, str]]:
    """Run every check; ok when the ``required`` ones (default: all) are ok."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # every failure is reported, none hides another
            results[name] = f"异常：{exc.__class__.__name__}: {exc}"[:300]
    names = CHECKS if required is None else required
    return all(results[name] == OK for name in names), results

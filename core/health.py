"""Checks behind /healthz: database, broker, worker heartbeat, storage."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    from qingpu_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def check_worker() -> str:
    from .models import WorkerHeartbeat

    cutoff = timezone.now() - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    if WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).exists():
        return "ok"
    return f"no worker heartbeat in the last {3 * settings.WORKER_HEARTBEAT_SECONDS} s"


def check_storage() -> str:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return "ok"


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
    "storage": check_storage,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # every failure is reported, none hides another
            results[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
    return all(v == "ok" for v in results.values()), results

"""The Celery app. Tasks are thin: they take primary keys and call services (see core.jobs)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.settings")

app = Celery("qingpu_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The worker writes a heartbeat row so /healthz can tell a live worker from a dead one, whatever broker.
from celery.signals import task_prerun, worker_process_init  # noqa: E402

from core.worker import HeartbeatStep, _fresh_content_types, prepare_worker_process  # noqa: E402

app.steps["worker"].add(HeartbeatStep)
task_prerun.connect(_fresh_content_types, dispatch_uid="core.fresh_content_types")
worker_process_init.connect(prepare_worker_process, dispatch_uid="core.prepare_worker_process")

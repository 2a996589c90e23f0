"""A worker bootstep that records a heartbeat row every few seconds (read by /healthz)."""

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)


class HeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        self.beat(worker)
        self.tref = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, self.beat, (worker,), priority=10
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def beat(self, worker):
        from django.db import close_old_connections
        from django.utils import timezone

        from core.models import WorkerHeartbeat

        try:
            WorkerHeartbeat.objects.update_or_create(
                hostname=worker.hostname, defaults={"last_seen": timezone.now()}
            )
        except Exception:  # the database may be briefly away; the next beat tries again
            logger.exception("could not record worker heartbeat")
        finally:
            close_old_connections()


def _fresh_content_types(**kwargs):
    """Content-type ids are stable in production, but a test database is flushed and refilled between
    tests, which hands out new ids. Clearing the cache before each task costs one query at most."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


# Garbage-collector settings of a worker child process (connected to ``worker_process_init``).
GC_THRESHOLDS = (20_000, 20, 20)


def prepare_worker_process(**_kwargs) -> None:
    """Tune the cyclic garbage collector for the jobs a worker runs (PDF layout above all).

    A PDF render allocates several hundred thousand short-lived objects. With Python's defaults
    (700, 10, 10) that triggers hundreds of young collections and, now and then, a full one that walks
    every object the worker imported (Django, WeasyPrint, the portal: over 100,000). Freezing them
    took about 15 % off a center report in benchmarks/reports_bench.py (393 → 331 ms on this machine).
    So the child first moves what it imported out of the collector's sight (``gc.freeze``) and collects
    young objects every 20,000 allocations instead of 700; garbage is still collected, only in fewer,
    larger passes. (Freezing in the child, after the fork, is about speed, not about keeping memory
    pages shared with the parent: the collection before it touches them.)
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)

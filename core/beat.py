"""Celery beat's scheduler with a heartbeat file, so a container check can tell a live beat.

Beat has no control channel to ping; this scheduler touches ``settings.BEAT_HEARTBEAT_FILE`` on every
tick (at least every ``--max-interval`` seconds), and ``manage.py healthcheck beat`` reads its age.
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)


def touch_beat_heartbeat() -> None:
    from django.conf import settings

    path = Path(settings.BEAT_HEARTBEAT_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # a full or read-only disk must not stop the schedule; the check will say so
        logger.exception("could not touch the beat heartbeat file %s", path)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        touch_beat_heartbeat()
        return interval

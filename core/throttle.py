"""Per-user limits on actions that start background work (issue 14 §5: one user cannot queue
unlimited PDFs or imports). Counted from the job rows themselves, so the limit holds across every
web process and needs no cache server."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .errors import ApplicationError


def require_job_quota(user, *, kind: str, limit: int, minutes: int, what: str) -> None:
    """Refuse (code ``throttled``: 429 in the API and on the pages) when ``user`` started ``limit``
    jobs of ``kind`` in the last ``minutes``; the message names the time from which one more may be
    started (when the oldest of them leaves the window), and ``retry_after`` holds the seconds."""
    from .models import Job

    now = timezone.now()
    since = now - timedelta(minutes=minutes)
    started = list(
        Job.objects.filter(kind=kind, requester=user, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(started) >= limit:
        free_at = started[limit - 1] + timedelta(minutes=minutes)
        seconds = max(1, int((free_at - now).total_seconds()) + 1)
        error = ApplicationError(
            f"{what}过于频繁：{minutes} 分钟内最多 {limit} 次，"
            f"请于 {timezone.localtime(free_at):%H:%M} 后再试（约 {-(-seconds // 60)} 分钟后）。",
            code="throttled",
        )
        error.retry_after = seconds
        raise error

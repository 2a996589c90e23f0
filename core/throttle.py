"""Per-user limits on actions that start background work (issue 14 §5: one user cannot queue
unlimited PDFs). Counted from the job rows themselves, so the limit holds across every web process
and needs no cache server."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .errors import ApplicationError


def require_job_quota(user, *, kind: str, limit: int, minutes: int, what: str) -> None:
    """Refuse (code ``throttled``: 429 in the API) when ``user`` started ``limit`` jobs of ``kind``
    in the last ``minutes``."""
    from .models import Job

    since = timezone.now() - timedelta(minutes=minutes)
    started = Job.objects.filter(kind=kind, requester=user, created_at__gte=since).count()
    if started >= limit:
        raise ApplicationError(
            f"{what}过于频繁：{minutes} 分钟内最多 {limit} 次，请等已排队的任务完成后再试。",
            code="throttled",
        )

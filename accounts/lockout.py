"""How long a lockout lasts (django-axes' AXES_COOLOFF_TIME callable).

Lockouts are per username *and* address (settings.AXES_LOCKOUT_PARAMETERS): someone elsewhere
cannot lock ``bureau`` out of the office by guessing, and one person's typos behind a street
office's shared address lock only their own account there. Each new lockout of the same username
from the same address within a day doubles the wait (30, 60, 120 … minutes, at most a day), so
guessing from one address slows down without bound. Counted from the audit trail's lockout entries.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

MAX_COOL_OFF = timedelta(hours=24)


def cool_off(request=None) -> timedelta:
    from core.audit import client_address
    from core.models import AuditEntry

    base = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    if request is None:
        return base
    username = (request.POST.get("username") if hasattr(request, "POST") else None) or ""
    if not username:
        return base
    earlier = AuditEntry.objects.filter(
        action="accounts.user.locked_out",
        address=client_address(request),
        data__username=username,
        created_at__gte=timezone.now() - timedelta(hours=24),
    ).count()
    # ``earlier`` includes the lockout being recorded now when axes asks after the signal.
    return min(base * (2 ** max(earlier - 1, 0)), MAX_COOL_OFF)

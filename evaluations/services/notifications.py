"""In-portal notices and e-mails of the evaluation."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import (
    Notification,
)

logger = logging.getLogger(__name__)


def _notify(
    *, recipients, kind: str, key: str, title: str, body: str, url: str = "", cycle=None, email=True
) -> int:
    """Create a notification per recipient unless one with the same key exists; e-mail the new ones."""
    sent = 0
    for user in recipients:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    key=key[:200],
                    title=title[:200],
                    body=body,
                    url=url,
                    cycle=cycle,
                )
        except IntegrityError:
            continue  # already sent to this recipient for this deadline
        if email and user.email:
            link = f"{settings.PORTAL_BASE_URL}{url}" if url else ""
            from centers.selectors import sender_address

            send_mail(title, f"{body}\n\n{link}".strip(), sender_address(), [user.email], fail_silently=True)
            Notification.objects.filter(pk=note.pk).update(emailed=True)
        sent += 1
    return sent


def _center_people(center_ids, *, directors=True, supervisors=False):
    from accounts.models import User
    from accounts.roles import Role

    qs = User.objects.filter(is_active=True)
    if directors:
        return qs.filter(center_id__in=center_ids, groups__name=Role.DIRECTOR).distinct()
    return qs.filter(supervising_unit__centers__in=center_ids, groups__name=Role.SUPERVISOR).distinct()


@transaction.atomic
def notification_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())

"""What is recorded without a service calling log_action: sign-in and sign-out, failed sign-ins,
lockouts (django-axes) and every action in the Django admin (its LogEntry)."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from .audit import log_action
from .models import AuditOutcome

ADMIN_ACTIONS = {
    ADDITION: "admin.object.created",
    CHANGE: "admin.object.changed",
    DELETION: "admin.object.deleted",
}


def _logged_in(sender, request, user, **kwargs):
    log_action("accounts.user.logged_in", actor=user, obj=user)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_action("accounts.user.logged_out", actor=user, obj=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    log_action(
        "accounts.user.login_failed",
        obj=user,
        object_repr=username,
        outcome=AuditOutcome.FAILED,
        data={"username": username},
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    user = get_user_model().objects.filter(username=username).first() if username else None
    log_action(
        "accounts.user.locked_out",
        obj=user,
        object_repr=str(username or "")[:150],
        outcome=AuditOutcome.REFUSED,
        data={"username": username},
    )


def _admin_action(sender, instance: LogEntry, created, **kwargs):
    if not created:
        return
    log_action(
        ADMIN_ACTIONS.get(instance.action_flag, "admin.object.changed"),
        actor=instance.user,
        object_repr=f"{instance.content_type.name if instance.content_type_id else ''}：{instance.object_repr}"[
            :300
        ],
        data={
            "model": instance.content_type.name if instance.content_type_id else "",
            "object_id": instance.object_id,
            "message": instance.get_change_message(),
        },
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_logged_in, dispatch_uid="core.audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="core.audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="core.audit.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="core.audit.locked_out")
    post_save.connect(_admin_action, sender=LogEntry, dispatch_uid="core.audit.admin")

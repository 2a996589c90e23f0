"""API tokens that end (issue 14 §2; ASVS 5.0 V7 session management).

A token lives ``API_TOKEN_HOURS`` (default 12) from its issue and ends earlier when its holder logs
out, changes or is given a new password, is deactivated or locked out, or revokes it. DRF's Token
model (one per user, with its ``created`` time) is kept; expiry is checked where tokens are
authenticated (accounts.api.authentication) and an expired token is deleted there.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.audit import log_action

END_REASONS = {
    "expired": "已过期",
    "logout": "退出登录",
    "password": "密码已修改或重置",
    "deactivated": "账号已停用",
    "locked_out": "账号已锁定",
    "revoked": "本人撤销",
}


def token_expires_at(token: Token):
    return token.created + timedelta(hours=settings.API_TOKEN_HOURS)


def token_is_expired(token: Token, *, now=None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's token, a new one when there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
        log_action("accounts.token.issued", actor=user, obj=user)
    return token


def tokens_end(*, user, reason: str, actor=None) -> int:
    """End the user's API token(s); returns how many ended (recorded with the reason)."""
    if user is None or user.pk is None:
        return 0
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    if deleted:
        log_action(
            "accounts.token.revoked",
            actor=actor if actor is not None else user,
            obj=user,
            data={"reason": END_REASONS.get(reason, reason)},
        )
    return deleted


# ---- when tokens end without anyone asking --------------------------------------------------------------
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        tokens_end(user=user, reason="logout")


def _on_locked_out(sender, request, username, **kwargs):
    from .models import User

    user = User.objects.filter(username=username).first() if username else None
    if user is not None:
        tokens_end(user=user, reason="locked_out", actor=None)


def _on_user_saved(sender, instance, created, update_fields=None, **kwargs):
    """A new password (own change, administrator's reset, admin form, createsuperuser) ends tokens;
    so does deactivation, whatever path saved it."""
    if created:
        return
    fields = set(update_fields) if update_fields is not None else None
    changed = getattr(instance, "_token_relevant_change", set())
    if fields is not None:
        changed &= fields
    if "password" in changed:
        tokens_end(user=instance, reason="password")
    elif "is_active" in changed and not instance.is_active:
        tokens_end(user=instance, reason="deactivated")


def _remember_changes(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        instance._token_relevant_change = set()
        return
    old = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        instance._token_relevant_change = set()
        return
    instance._token_relevant_change = {
        name for name in ("password", "is_active") if old[name] != getattr(instance, name)
    }


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import post_save, pre_save

    from .models import User

    user_logged_out.connect(_on_logout, dispatch_uid="accounts.tokens.logout")
    user_locked_out.connect(_on_locked_out, dispatch_uid="accounts.tokens.locked_out")
    pre_save.connect(_remember_changes, sender=User, dispatch_uid="accounts.tokens.pre_save")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="accounts.tokens.post_save")

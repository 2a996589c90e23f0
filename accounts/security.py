"""Login controls of 等保二级 (身份鉴别): password age and forced change, password history, login
events and the notice shown after login, and the gate that holds a user at the step they must take
(second factor, password change, enrolment) before anything else works.

The gate itself is applied by accounts.middleware.LoginGateMiddleware (pages and session API calls)
and accounts.api.authentication.GatedTokenAuthentication (token API calls); both ask ``gate_step``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import LazyObject

from .login_models import LoginEvent, PasswordHistory

# Session keys.
LOGIN_NOTICE_SESSION_KEY = "accounts_login_notice"
TWO_FACTOR_SESSION_KEY = "accounts_two_factor"  # "verified" | "none": checked once per session

# The steps of the gate, in the order they are taken.
STEP_TWO_FACTOR_VERIFY = "two_factor_verify"  # enrolled, but this session has not given a code
STEP_PASSWORD_CHANGE = "password_change"
STEP_TWO_FACTOR_ENROL = "two_factor_enrol"


# ---- Password age -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PasswordAge:
    expires_at: datetime | None  # None: expiry is off (PASSWORD_MAX_AGE_DAYS = 0)
    expired: bool
    days_left: int | None  # whole days until expiry, rounded up
    warn: bool  # within PASSWORD_EXPIRY_WARNING_DAYS of expiry


def password_age(user, *, now: datetime | None = None) -> PasswordAge:
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if not max_age:
        return PasswordAge(expires_at=None, expired=False, days_left=None, warn=False)
    now = now or timezone.now()
    # Accounts from before the field existed count from when they were made.
    changed_at = user.password_changed_at or user.date_joined
    expires_at = changed_at + timedelta(days=max_age)
    remaining = (expires_at - now).total_seconds()
    if remaining <= 0:
        return PasswordAge(expires_at=expires_at, expired=True, days_left=0, warn=False)
    days_left = math.ceil(remaining / 86400)
    return PasswordAge(
        expires_at=expires_at,
        expired=False,
        days_left=days_left,
        warn=days_left <= settings.PASSWORD_EXPIRY_WARNING_DAYS,
    )


def must_change_password(user) -> bool:
    return bool(user.must_change_password) or password_age(user).expired


def record_password_change(*, user, keep: int) -> None:
    """Called (through the history validator) after every save that set a new password: remember its
    hash, keep the last ``keep``, and restart the password's age."""
    user = concrete_user(user)
    now = timezone.now()
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[keep:]
    )
    if stale:
        PasswordHistory.objects.filter(pk__in=stale).delete()
    type(user).objects.filter(pk=user.pk).update(password_changed_at=now)
    user.password_changed_at = now


def on_user_saved(sender, instance, created, **kwargs):
    """A user created with a ready-made hash (``create_user`` does not go through ``set_password``'s
    save hook): their first password enters the history too."""
    if created and not kwargs.get("raw") and instance._password is None and instance.has_usable_password():
        keep = settings.PASSWORD_HISTORY_SIZE
        record_password_change(user=instance, keep=keep)


def concrete_user(user):
    """``request.user`` is a lazy proxy; the audit log needs the model instance itself."""
    while issubclass(type(user), LazyObject):  # isinstance sees the wrapped class; django-otp wraps again
        _ = user.pk  # evaluate
        user = user._wrapped
    return user


def change_own_password(*, user, new_password: str) -> None:
    """The user's own change (validated by the form): the new password, the forced-change flag
    cleared; history and age follow from the save. One transaction."""
    from core.audit import log_action

    user = concrete_user(user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        log_action("accounts.user.password_changed", actor=user, obj=user)


# ---- Login events and the notice after login ------------------------------------------------------
def _client(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request), request.META.get("HTTP_USER_AGENT", "")[:300]


def record_login_success(*, request, user) -> dict:
    """Write the success and return the notice: the previous successful login (time, address) and
    the failed attempts since then (all recorded failures when there was none)."""
    previous = LoginEvent.objects.filter(user=user, succeeded=True).order_by("-created_at", "-pk").first()
    failures = LoginEvent.objects.filter(user=user, succeeded=False)
    if previous is not None:
        failures = failures.filter(created_at__gt=previous.created_at)
    notice = {
        "previous_at": previous.created_at.isoformat() if previous else None,
        "previous_ip": previous.ip_address if previous else None,
        "failures": failures.count(),
    }
    ip_address, user_agent = _client(request)
    LoginEvent.objects.create(
        user=user, username=user.get_username(), succeeded=True, ip_address=ip_address, user_agent=user_agent
    )
    return notice


def record_login_failure(*, request, username: str) -> None:
    from .models import User

    username = (username or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    ip_address, user_agent = _client(request)
    LoginEvent.objects.create(
        user=user, username=username, succeeded=False, ip_address=ip_address, user_agent=user_agent
    )


def on_user_logged_in(sender, request, user, **kwargs):
    notice = record_login_success(request=request, user=user)
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_NOTICE_SESSION_KEY] = notice


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    record_login_failure(request=request, username=credentials.get("username", ""))


def login_notice_for_display(notice: dict) -> dict:
    previous_at = notice.get("previous_at")
    return {
        "previous_at": datetime.fromisoformat(previous_at) if previous_at else None,
        "previous_ip": notice.get("previous_ip"),
        "failures": notice.get("failures", 0),
    }


# ---- The gate ---------------------------------------------------------------------------------------
def two_factor_required(user) -> bool:
    return user.role in settings.TWO_FACTOR_ROLES


def gate_step(request, user) -> str | None:
    """The step ``user`` must take before anything else works in this session, or None.

    The enrolment query runs once per session (remembered in the session); a user verified by a code
    in this session costs django-otp's one device lookup."""
    from . import two_factor

    session = getattr(request, "session", None)
    verified = bool(getattr(user, "is_verified", lambda: False)())
    if not verified:
        state = session.get(TWO_FACTOR_SESSION_KEY) if session is not None else None
        if state != "none":
            if two_factor.has_confirmed_device(user):
                return STEP_TWO_FACTOR_VERIFY
            if session is not None:
                session[TWO_FACTOR_SESSION_KEY] = "none"
    if must_change_password(user):
        return STEP_PASSWORD_CHANGE
    if not verified and two_factor_required(user):
        # Enrolled meanwhile in another session: this one must give a code too.
        return STEP_TWO_FACTOR_VERIFY if two_factor.has_confirmed_device(user) else STEP_TWO_FACTOR_ENROL
    return None


def token_gate_step(user) -> str | None:
    """The gate for token API calls: a token is issued only after the code (when enrolled), so only
    the password and enrolment steps apply."""
    from . import two_factor

    if must_change_password(user):
        return STEP_PASSWORD_CHANGE
    if two_factor_required(user) and not two_factor.has_confirmed_device(user):
        return STEP_TWO_FACTOR_ENROL
    return None

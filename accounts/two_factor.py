"""The optional second factor (TOTP, django-otp) and its recovery codes (django-otp's static device).

Required for the roles in settings.TWO_FACTOR_ROLES. Login is two steps for an enrolled user: the
password (accounts.views.LoginView) puts the user in the session as *pending*; the code
(accounts.views.LoginVerifyView) completes Django's login and marks the session verified. A session
that logged in any other way (e.g. the admin's login page) is sent back to the portal's login by the
gate.
"""

from __future__ import annotations

import base64
import time

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import log_action

from .security import TWO_FACTOR_SESSION_KEY, concrete_user

PENDING_SESSION_KEY = "accounts_pending_login"
PENDING_MAX_SECONDS = 300  # the code must follow the password within five minutes
RECOVERY_CODES_SESSION_KEY = "accounts_recovery_codes"
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "验证器应用"
STATIC_DEVICE_NAME = "恢复码"


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# ---- Two-step login ---------------------------------------------------------------------------------
def begin_pending_login(request, user) -> None:
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[1]),
        "started": time.time(),
    }


def pending_login(request):
    """The user whose password was right and whose code is awaited, with their backend; None when
    there is none or it is older than five minutes."""
    data = request.session.get(PENDING_SESSION_KEY)
    if not data or time.time() - data.get("started", 0) > PENDING_MAX_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=data["user_id"], is_active=True).first()
    return user, data["backend"]


def end_pending_login(request) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def match_code(user, code: str):
    """The device that accepts ``code`` — the authenticator's 6 digits or one recovery code (used up)
    — or None. django-otp throttles repeated failures per device."""
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None
    with transaction.atomic():
        if code.isdigit():
            devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        else:
            devices = StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def mark_verified(request, device) -> None:
    django_otp.login(request, device)
    request.session[TWO_FACTOR_SESSION_KEY] = "verified"


# ---- Enrolment --------------------------------------------------------------------------------------
def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed authenticator device the enrolment page shows (one per user, reused until
    confirmed, so reloading the page keeps the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (rendered here, nothing fetched by the browser)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def secret_for_manual_entry(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(*, user, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it: the device becomes the user's only one
    and ten new recovery codes replace any earlier ones. Returns the codes (shown once), or None when
    the code is wrong."""
    user = concrete_user(user)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None or not device.verify_token((code or "").strip().replace(" ", "")):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_action("accounts.user.two_factor_enrolled", actor=user, obj=user)
    return codes


def regenerate_recovery_codes(*, user) -> list[str]:
    user = concrete_user(user)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        log_action("accounts.user.recovery_codes_renewed", actor=user, obj=user)
    return codes


def _new_recovery_codes(user) -> list[str]:
    static, _created = StaticDevice.objects.get_or_create(
        user=user, name=STATIC_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=static.pk).delete()
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_reset(*, user, actor) -> None:
    """Remove ``user``'s authenticator and recovery codes (a lost phone), so the next login asks for
    enrolment again (required roles) or for the password only. Only the user themself, an account
    administrator or a superuser may; anyone else gets a 404 (the account is not theirs to see).
    Account administration's pages and API are expected to call this."""
    from django.http import Http404

    from .roles import Role

    actor, user = concrete_user(actor), concrete_user(user)
    allowed = actor.is_authenticated and (
        actor.pk == user.pk or actor.is_superuser or actor.role == Role.ACCOUNT_ADMIN
    )
    if not allowed:
        raise Http404
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        log_action("accounts.user.two_factor_reset", actor=actor, obj=user)

"""Accounts: role groups, affiliations and account administration (账号管理).

Access is never copied onto objects: ``core.permissions.restrict`` reads the user's role group and
affiliation (``center`` / ``supervising_unit``) at every request. The only object grants left are the
ones given one by one (an auditor's assigned filings, a job's requester).

Every write here checks the actor's right to do exactly this (``accounts.manage_user``, held by the
account administrator's group and by ``createsuperuser`` superusers only), runs in one transaction and
leaves an audit entry. A refused actor gets ``Http404``: pages, API and admin answer 404 alike.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.audit import log_action
from core.errors import ApplicationError
from core.models import AuditOutcome

from .hashers import OneTimePasswordHasher
from .models import User
from .roles import ADMIN_ROLE_PERMISSIONS, BUREAU_APPS, BUREAU_EXCLUDED_PERMISSIONS, Role

MANAGE_PERMISSION = "accounts.manage_user"
# The roles an account administrator may give (never superuser: only ``createsuperuser`` makes one).
ASSIGNABLE_ROLES = [r for r in Role if r != Role.PUBLIC]
# The one affiliation each role needs: the field that must be filled, the others must stay empty.
AFFILIATION_FIELD = {
    Role.DIRECTOR: "center",
    Role.SUPERVISOR: "supervising_unit",
    Role.AUDITOR: "organization_name",
}
AFFILIATION_LABEL = {"center": "所属服务中心", "supervising_unit": "所属业务主管单位"}
CONFLICT_MESSAGE = "该账号已被他人修改（您读取的是第 {read} 版，现为第 {current} 版），请刷新页面后重新修改。"
EDITABLE_FIELDS = (
    "username",
    "full_name",
    "mobile",
    "email",
    "role",
    "center",
    "supervising_unit",
    "organization_name",
)

logger = logging.getLogger(__name__)


# ---- role groups --------------------------------------------------------------------------------------


def sync_role_groups(**kwargs):
    """post_migrate: every role group exists and holds exactly its model-wide permissions.

    ``set``, not ``add``: a permission a role must no longer hold (the bureau's former hold on
    accounts and the audit log) is taken away on the next migrate.
    """
    using = kwargs.get("using", "default")
    groups = {role: Group.objects.using(using).get_or_create(name=role.value)[0] for role in Role}
    perms = list(Permission.objects.using(using).select_related("content_type"))
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in perms}
    bureau = [
        p
        for name, p in by_name.items()
        if name.split(".")[0] in BUREAU_APPS and name not in BUREAU_EXCLUDED_PERMISSIONS
    ]
    groups[Role.BUREAU].permissions.set(bureau)
    for role in Role:
        if role == Role.BUREAU:
            continue
        wanted = [by_name[n] for n in ADMIN_ROLE_PERMISSIONS.get(role.value, ()) if n in by_name]
        groups[role].permissions.set(wanted)


def user_set_role(user: User, role: str) -> None:
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("role", None)
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def _set_affiliation(user: User, *, role: str, center=None, unit=None) -> None:
    user_set_role(user, role)
    user.center = center
    user.supervising_unit = unit
    user.is_staff = role == Role.BUREAU  # the bureau edits reference data in the admin
    user.save(update_fields=["center", "supervising_unit", "is_staff"])


# Used by seed_demo, tests and benchmarks to make a user of a role in one call.
@transaction.atomic
def grant_center(*, user: User, center, role: str, actor=None) -> None:
    """Make ``user`` a ``role`` (director) of ``center``: the affiliation is the access."""
    _set_affiliation(user, role=role, center=center if role == Role.DIRECTOR else None)
    log_action("accounts.affiliation.set", actor=actor, obj=user, data={"role": role, "center": center.pk})


@transaction.atomic
def grant_supervising_unit(*, user: User, unit, actor=None) -> None:
    """Make ``user`` staff of ``unit``: they read (and first-review) whatever centers it has now."""
    _set_affiliation(user, role=Role.SUPERVISOR, unit=unit)
    log_action(
        "accounts.affiliation.set", actor=actor, obj=user, data={"role": "supervisor", "unit": unit.pk}
    )


def make_bureau_staff(user: User) -> None:
    _set_affiliation(user, role=Role.BUREAU)


# ---- checks -------------------------------------------------------------------------------------------


def can_manage_accounts(actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.has_perm(MANAGE_PERMISSION))


def require_manager(actor, target: User | None = None) -> None:
    """The actor may manage accounts, and ``target`` is one they may touch (never a superuser)."""
    if not can_manage_accounts(actor):
        raise Http404
    if target is not None and target.is_superuser and not actor.is_superuser:
        raise Http404


def managed_users(actor):
    """The accounts ``actor`` may see in account administration (404 for everyone else)."""
    if not can_manage_accounts(actor):
        return User.objects.none()
    queryset = User.objects.all()
    return queryset if actor.is_superuser else queryset.filter(is_superuser=False)


def affiliation_errors(
    *, role: str, center, supervising_unit, organization_name: str
) -> dict[str, list[str]]:
    """A role without its affiliation, or with another role's, names the field and the fix."""
    errors: dict[str, list[str]] = {}
    needed = AFFILIATION_FIELD.get(role)
    role_label = Role(role).label if role in Role.values else role
    if needed == "center" and center is None:
        errors["center"] = [f"角色为“{role_label}”时须选择所属服务中心。"]
    if needed == "supervising_unit" and supervising_unit is None:
        errors["supervising_unit"] = [f"角色为“{role_label}”时须选择所属业务主管单位。"]
    if needed == "organization_name" and not (organization_name or "").strip():
        errors["organization_name"] = ["抽检评估人员须填写所在单位（评估机构名称）。"]
    for field, value in (("center", center), ("supervising_unit", supervising_unit)):
        if value is not None and needed != field:
            errors.setdefault(field, []).append(
                f"角色为“{role_label}”的账号不能有{AFFILIATION_LABEL[field]}，请清空该项或修改角色。"
            )
    return errors


def field_errors(data: dict, *, instance: User | None, taken: set[str] | None = None) -> dict[str, list[str]]:
    """Every problem of an account's data, by field. ``taken``: lower-case usernames already in use
    (the import passes them, checked once for the whole file); else the database is asked."""
    from staffing.validators import MOBILE, normalize_phone

    errors: dict[str, list[str]] = {}
    username = (data.get("username") or "").strip()
    if not username:
        errors["username"] = ["用户名不能为空，请填写登录用的用户名（字母、数字或 @ . + - _）。"]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [f"用户名“{username}”含不允许的字符：只能用字母、数字和 @ . + - _。"]
        if len(username) > 150:
            errors["username"] = ["用户名过长，不能超过 150 个字符。"]
        if taken is not None:
            in_use = username.lower() in taken
        else:
            others = User.objects.filter(username__iexact=username)
            if instance is not None and instance.pk:
                others = others.exclude(pk=instance.pk)
            in_use = others.exists()
        if in_use:
            errors.setdefault("username", []).append(f"用户名“{username}”已被使用，请换一个。")
    if not (data.get("full_name") or "").strip():
        errors["full_name"] = ["姓名不能为空。"]
    mobile = normalize_phone(data.get("mobile") or "")
    if mobile and not MOBILE.match(mobile):
        errors["mobile"] = [f"手机号码“{mobile}”无效：应为 1 开头的 11 位数字（如 13812345678），或留空。"]
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"电子邮箱“{email}”格式不正确（如 name@example.org），或留空。"]
    role = data.get("role")
    if role not in [r.value for r in ASSIGNABLE_ROLES]:
        errors["role"] = ["请选择角色：" + "、".join(str(r.label) for r in ASSIGNABLE_ROLES) + "。"]
    else:
        for field, messages in affiliation_errors(
            role=role,
            center=data.get("center"),
            supervising_unit=data.get("supervising_unit"),
            organization_name=data.get("organization_name") or "",
        ).items():
            errors.setdefault(field, []).extend(messages)
    return errors


def clean_data(data: dict) -> dict:
    from staffing.validators import normalize_phone

    out = {name: data.get(name) for name in EDITABLE_FIELDS if name in data}
    for name in ("username", "full_name", "email", "organization_name"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if "mobile" in out:
        out["mobile"] = normalize_phone(out["mobile"] or "")
    return out


def _snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "mobile": user.mobile,
        "email": user.email,
        "role": user.role,
        "center": user.center_id,
        "supervising_unit": user.supervising_unit_id,
        "organization_name": user.organization_name,
        "is_active": user.is_active,
    }


# ---- passwords ----------------------------------------------------------------------------------------

# No look-alike characters (0/O, 1/l/I) in a password that is read out or copied by hand.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"
_SYMBOLS = "!#%+-=?@"
ONE_TIME_PASSWORD_LENGTH = 12


def one_time_password() -> str:
    """12 random characters with upper, lower, digits and a symbol (all four classes: ≥ 3 required).

    Random from 64 characters: about 72 bits, beyond any list of common passwords or guessing."""
    alphabet = _UPPER + _LOWER + _DIGITS + _SYMBOLS
    chars = [secrets.choice(cls) for cls in (_UPPER, _LOWER, _DIGITS, _SYMBOLS)]
    chars += [secrets.choice(alphabet) for _ in range(ONE_TIME_PASSWORD_LENGTH - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def set_one_time_password(user: User, password: str) -> None:
    """Store a generated one-time password (see accounts/hashers.py); the user must change it."""
    user.password = make_password(password, hasher=OneTimePasswordHasher.algorithm)
    user.must_change_password = True


def set_one_time_passwords(users: list[User], passwords: list[str]) -> None:
    """The same for many accounts at once, hashed in parallel (PBKDF2 releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        hashes = list(pool.map(lambda p: make_password(p, hasher=OneTimePasswordHasher.algorithm), passwords))
    for user, hashed in zip(users, hashes, strict=True):
        user.password = hashed
        user.must_change_password = True


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def _check_password(password: str, user: User) -> None:
    problems = []
    if len(password) < 10 or character_classes(password) < 3:
        problems.append("密码至少 10 位，且须包含大写字母、小写字母、数字、符号中的至少 3 类。")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if problems:
        raise ApplicationError("初始密码不符合要求，请修改。", fields={"password": problems})


def send_password(user: User, password: str) -> bool:
    """E-mail ``user`` the one-time password; True only when the mail server accepted it.

    A failure is never silent: it is logged and recorded in the audit trail (the administrator still
    has the password on screen and must pass it on another way). Called outside the account's
    transaction, once it has committed, so a slow mail server never holds a row lock."""
    import smtplib

    if not user.email:
        return False
    try:
        send_mail(
            "【青浦区社会组织服务中心门户】您的账号初始密码",
            f"{user.display_name}，您好：\n\n您的门户账号为 {user.username}，一次性初始密码为：{password}\n"
            f"请登录 {settings.PORTAL_BASE_URL} 后立即修改密码。此密码仅可使用一次。\n",
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=False,
        )
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("one-time password e-mail to user %s failed: %r", user.pk, exc)
        log_action("accounts.user.password_email_failed", obj=user, outcome=AuditOutcome.FAILED)
        return False
    return True


def deliver_password(issued: PasswordIssued) -> PasswordIssued:
    """Send the password of ``issued`` when it is to be e-mailed, and record whether that worked
    (``emailed`` / ``email_failed``). Pages and API call this after the service has returned."""
    if issued.to_email and issued.password:
        issued.emailed = send_password(issued.user, issued.password)
        issued.email_failed = not issued.emailed
    return issued


# ---- account administration ---------------------------------------------------------------------------


@dataclass
class PasswordIssued:
    user: User
    password: str | None  # shown once to the administrator; None when the administrator chose one
    emailed: bool = False  # the mail server accepted it (set by deliver_password)
    to_email: bool = False  # it is to be e-mailed
    email_failed: bool = False


@transaction.atomic
def user_create(*, actor, data: dict, password: str | None = None, notify: bool = True) -> PasswordIssued:
    """Create an account with its role and affiliation; it must change its password at first login."""
    require_manager(actor)
    data = clean_data(data)
    errors = field_errors(data, instance=None)
    if errors:
        raise ApplicationError("账号信息有误，请按提示修改。", fields=errors)
    role = data.pop("role")
    user = User(**{k: v for k, v in data.items() if k not in ("center", "supervising_unit")})
    issued = password or one_time_password()
    if password:
        _check_password(password, user)
        user.set_password(issued)
        user.must_change_password = True
    else:
        set_one_time_password(user, issued)
    user.save()
    _set_affiliation(user, role=role, center=data.get("center"), unit=data.get("supervising_unit"))
    log_action("accounts.user.created", actor=actor, obj=user, data={"after": _snapshot(user)})
    to_email = bool(notify and password is None and user.email)
    return PasswordIssued(user=user, password=None if password else issued, to_email=to_email)


@transaction.atomic
def user_update(*, actor, user: User, version, data: dict) -> User:
    """Change an account's particulars, role or affiliation; a stale version is refused."""
    require_manager(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_version(user, version)
    before = _snapshot(user)
    merged = {**before, "center": user.center, "supervising_unit": user.supervising_unit, **clean_data(data)}
    errors = field_errors(merged, instance=user)
    if user.pk == actor.pk and merged["role"] != before["role"]:
        errors.setdefault("role", []).append("不能修改自己的角色，请由另一位账号管理员操作。")
    if errors:
        raise ApplicationError("账号信息有误，请按提示修改。", fields=errors)
    for name in ("username", "full_name", "mobile", "email", "organization_name"):
        setattr(user, name, merged[name])
    user.version += 1
    user.save()
    _set_affiliation(user, role=merged["role"], center=merged["center"], unit=merged["supervising_unit"])
    after = _snapshot(user)
    log_action("accounts.user.changed", actor=actor, obj=user, data={"before": before, "after": after})
    return user


def _check_version(user: User, version) -> None:
    if version in (None, ""):
        raise ApplicationError(
            "缺少版本号：请从最新页面提交修改。",
            fields={"version": ["请提供读取账号时的版本号（version）。"]},
        )
    try:
        read = int(version)
    except (TypeError, ValueError):
        raise ApplicationError("版本号无效。", fields={"version": ["版本号应为整数。"]}) from None
    if read != user.version:
        raise ApplicationError(CONFLICT_MESSAGE.format(read=read, current=user.version), code="conflict")


def end_sessions(user: User) -> int:
    """Every session and API token of ``user`` ends now. Returns the number of sessions ended."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Deactivate (every access ends at once: sessions and tokens too) or reactivate. Never delete."""
    require_manager(actor, user)
    if user.pk == actor.pk and not active:
        raise ApplicationError(
            "不能停用自己的账号，请由另一位账号管理员操作。", fields={"is_active": ["不能停用自己。"]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.version += 1
    user.save(update_fields=["is_active", "version"])
    if not active:
        end_sessions(user)
    log_action(
        "accounts.user.reactivated" if active else "accounts.user.deactivated",
        actor=actor,
        obj=user,
        data={"before": {"is_active": not active}, "after": {"is_active": active}},
    )
    return user


def is_locked(user: User) -> bool:
    return locked_attempts().filter(username=user.username).exists()


def locked_attempts():
    """django-axes attempts that lock their username now (failures ≥ limit within the cool-off)."""
    from axes.models import AccessAttempt

    # The first lockout's length (accounts.lockout doubles repeated ones; those show until then).
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )


@transaction.atomic
def user_unlock(*, actor, user: User) -> int:
    """Lift a django-axes lockout of ``user`` (by username)."""
    from axes.utils import reset

    require_manager(actor, user)
    count = reset(username=user.username)
    log_action("accounts.user.unlocked", actor=actor, obj=user, data={"attempts_cleared": count})
    return count


@transaction.atomic
def user_reset_password(*, actor, user: User) -> PasswordIssued:
    """A new one-time password, shown once (and e-mailed when the user has an address).

    The old password, sessions and tokens stop working; the user must choose a new one at login.
    """
    require_manager(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    password = one_time_password()
    set_one_time_password(user, password)
    user.version += 1
    user.save(update_fields=["password", "must_change_password", "version"])
    end_sessions(user)
    log_action("accounts.user.password_reset", actor=actor, obj=user, data={"emailed": bool(user.email)})
    return PasswordIssued(user=user, password=password, to_email=bool(user.email))

"""Password rules of 等保二级 (身份鉴别), wired in settings.AUTH_PASSWORD_VALIDATORS next to Django's
common-password and similarity validators.

- ``PasswordComplexityValidator``: at least ``min_length`` characters drawn from at least
  ``min_classes`` of upper-case letters, lower-case letters, digits and symbols (Django ships no
  character-class validator).
- ``PasswordHistoryValidator``: none of the last ``history_size`` passwords again. Django calls
  ``password_changed(password, user)`` from ``user.save()`` after every ``set_password`` — the admin,
  the administrator's reset, the user's own change — so the history is recorded on every path.

The numbers live in settings (``OPTIONS``); the messages below name them.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _character_classes(password: str) -> int:
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class PasswordComplexityValidator:
    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def _message(self) -> str:
        return _(
            "密码至少 %(min_length)d 位，并包含大写字母、小写字母、数字、符号中的至少 %(min_classes)d 种。"
        ) % {
            "min_length": self.min_length,
            "min_classes": self.min_classes,
        }

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短：现有 %(length)d 位。") % {"length": len(password)} + self._message(),
                code="password_too_short",
            )
        if _character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码字符种类不足。") + self._message(),
                code="password_character_classes",
            )

    def get_help_text(self):
        return self._message()


class PasswordHistoryValidator:
    def __init__(self, history_size: int = 5):
        self.history_size = history_size

    def _recent_hashes(self, user) -> list[str]:
        from .models import PasswordHistory

        return list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.history_size]
        )

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = self._recent_hashes(user)
        if user.has_usable_password() and user.password not in hashes:
            hashes.insert(0, user.password)  # a password set before the history was kept
        # hashers.check_password without a setter: checking must never re-hash and save the user.
        if any(check_password(password, encoded) for encoded in hashes[: self.history_size]):
            raise ValidationError(
                _("新密码不能与最近 %(count)d 次使用过的密码相同，请换一个新密码。")
                % {"count": self.history_size},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from .security import record_password_change

        record_password_change(user=user, keep=self.history_size)

    def get_help_text(self):
        return _("不能使用最近 %(count)d 次用过的密码。") % {"count": self.history_size}

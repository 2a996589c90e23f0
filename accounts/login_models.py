"""Login-control records (等保二级 身份鉴别): the password history and the login events.

Kept apart from accounts/models.py (which holds the user and affiliations); models.py imports them so
Django finds them in the accounts app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """One hash per password a user has had; accounts.validators.PasswordHistoryValidator refuses the
    last few again. Written on every password change (Django calls the validator's
    ``password_changed`` from ``user.save()``), pruned to the configured size."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhist_user_idx")]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class LoginEvent(models.Model):
    """A successful or failed login, written on Django's user_logged_in / user_login_failed signals.

    django-axes deletes its attempt rows when a login succeeds, so the portal keeps its own record for
    the notice shown after login ("上次登录 … 此后失败 N 次")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_events",
    )
    username = models.CharField(_("登录名"), max_length=150)
    succeeded = models.BooleanField(_("是否成功"))
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "succeeded", "-created_at"], name="accounts_login_user_idx")]

    def __str__(self):
        return f"{self.username} {'成功' if self.succeeded else '失败'} {self.created_at:%Y-%m-%d %H:%M}"

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.permissions import RestrictedQuerySet

from .roles import Role


class UserQuerySet(RestrictedQuerySet):
    pass


class User(AbstractUser):
    """A portal user. The role is the user's role group; access follows from role and affiliation.

    ``center`` (director / center staff) and ``supervising_unit`` (supervising-unit staff) are the
    affiliation that ``core.permissions.restrict`` reads at every request; an auditor's
    ``organization_name`` is their assessor organisation and gives no access (assignments do).
    Accounts are written only through ``accounts.services`` (never deleted: deactivated).
    """

    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    center = models.ForeignKey(
        "centers.ServiceCenter",
        verbose_name=_("所属服务中心"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    supervising_unit = models.ForeignKey(
        "centers.SupervisingUnit",
        verbose_name=_("所属业务主管单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    organization_name = models.CharField(_("所在单位"), max_length=200, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)
    # Two account administrators editing one account: a save names the version it read.
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Login controls (等保二级 身份鉴别): a new account and a reset password must be changed at the next
    # login before anything else works; password age counts from ``password_changed_at``.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [("manage_user", _("管理账号（账号管理员）"))]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def affiliation(self) -> str:
        if self.center_id:
            return str(self.center)
        if self.supervising_unit_id:
            return str(self.supervising_unit)
        return self.organization_name

    @cached_property
    def role(self) -> str:
        """The user's role: the role group they belong to (superusers act as bureau staff)."""
        if self.is_superuser:
            return Role.BUREAU
        names = {g.name for g in self.groups.all()}
        for role in Role:
            if role.value in names:
                return role.value
        return Role.PUBLIC

    @property
    def role_label(self) -> str:
        return Role(self.role).label


from .login_models import LoginEvent, PasswordHistory  # noqa: E402,F401 - login controls, see that module

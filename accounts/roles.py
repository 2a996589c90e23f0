"""The roles of DOMAIN.md plus the two administrative roles of 等保二级 (account and audit
administrators, kept apart from the bureau's business role), kept as auth groups. Model-wide permissions go to the bureau only;
everyone else gets object permissions (guardian) through accounts.services."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU = "bureau", _("区民政局工作人员")
    DIRECTOR = "director", _("服务中心主任/工作人员")
    SUPERVISOR = "supervisor", _("业务主管单位")
    AUDITOR = "auditor", _("抽检评估人员")
    ACCOUNT_ADMIN = "account_admin", _("账号管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    PUBLIC = "public", _("社会公众")


# Apps whose every model the bureau may view and change (model-wide grants). Not ``accounts`` nor
# ``auth``: separation of duties (等保二级 8.1.4.2) keeps accounts with the account administrator and
# the audit log with the audit administrator; the bureau runs the business only.
BUREAU_APPS = ("core", "centers", "staffing", "evaluations", "reports")
BUREAU_EXCLUDED_PERMISSIONS = {
    "core.add_auditentry",
    "core.change_auditentry",
    "core.delete_auditentry",
    "core.view_auditentry",
}
# The two administrative roles hold exactly these model-wide permissions and nothing else.
ADMIN_ROLE_PERMISSIONS = {
    "account_admin": ("accounts.manage_user",),
    "audit_admin": ("core.view_auditentry",),
}

# The roles an account administrator may give (the public is no account; superusers come only from
# ``createsuperuser``), as choices for forms, filters and the API.
ASSIGNABLE_ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.PUBLIC]

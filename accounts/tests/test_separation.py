"""Separation of duties (等保二级 8.1.4.2): account administrator, audit administrator and bureau
cannot do each other's work; only a createsuperuser superuser holds everything, and is audited."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry, PolicyParameter
from core.testing import login_as

pytestmark = pytest.mark.django_db

ADMIN_ACCOUNT_PAGES = [
    "admin:accounts_user_changelist",
    "admin:accounts_user_add",
    "admin:auth_group_changelist",
    "admin:auth_group_add",
]


def test_bureau_cannot_reach_the_django_admins_user_group_or_permission_pages(client, world):
    login_as(client, world.bureau)
    assert client.get(reverse("admin:index")).status_code == 200  # reference data stays theirs
    for name in ADMIN_ACCOUNT_PAGES:
        assert client.get(reverse(name)).status_code in (403, 404), name
    target = world.director_jinze
    change = reverse("admin:accounts_user_change", args=[target.pk])
    assert client.get(change).status_code in (403, 404)
    response = client.post(change, {"username": target.username, "is_superuser": "on", "is_staff": "on"})
    assert response.status_code in (403, 404)
    assert client.get(reverse("admin:auth_user_password_change", args=[target.pk])).status_code in (403, 404)
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff
    assert "accounts_user" not in client.get(reverse("admin:index")).content.decode()


def test_bureau_cannot_create_users_or_change_roles_through_pages_or_api(client, world):
    login_as(client, world.bureau)
    data = {"username": "made_by_bureau", "full_name": "某人", "role": Role.BUREAU}
    assert client.post(reverse("accounts:user_create"), data).status_code == 404
    assert client.post("/api/v1/users/", data, content_type="application/json").status_code == 404
    patch = client.patch(
        f"/api/v1/users/{world.bureau.pk}/",
        {"role": Role.ACCOUNT_ADMIN, "version": world.bureau.version},
        content_type="application/json",
    )
    assert patch.status_code == 404
    assert not User.objects.filter(username="made_by_bureau").exists()
    assert User.objects.get(pk=world.bureau.pk).role == Role.BUREAU
    assert not world.bureau.has_perm("accounts.change_user") and not world.bureau.has_perm(
        "accounts.manage_user"
    )


def test_account_admin_reads_no_business_data(client, world):
    login_as(client, world.useradmin)
    assert client.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 404
    assert client.get(reverse("centers:center_list")).status_code == 404
    assert client.get(reverse("staffing:roster", args=[world.jinze.pk])).status_code == 404
    assert client.get(f"/api/v1/centers/{world.jinze.pk}/").status_code == 404
    assert client.get("/api/v1/centers/").status_code == 404  # not their list (core.access)
    assert client.get(reverse("core:audit_list")).status_code == 404
    assert client.get(reverse("admin:index")).status_code == 302  # not staff


def test_audit_admin_reads_and_exports_the_audit_log_and_nothing_else(client, world):
    AuditEntry.objects.create(action="centers.center.changed", actor=world.bureau, object_repr="金泽镇中心")
    login_as(client, world.auditadmin)
    page = client.get(reverse("core:audit_list"))
    html = page.content.decode()
    assert page.status_code == 200 and "金泽镇中心" in html and "修改" in html
    assert "centers.center.changed" not in html
    export = client.get(reverse("core:audit_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="audit.log.exported", actor=world.auditadmin).exists()
    assert client.get(reverse("accounts:user_list")).status_code == 404
    assert client.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 404
    assert client.get("/api/v1/centers/").status_code == 404  # not their list (core.access)
    assert client.get("/api/v1/users/").status_code == 404


@pytest.mark.parametrize("who", ["bureau", "useradmin", "director_jinze", "supervisor_jinze", "auditor"])
def test_only_the_audit_admin_reads_the_audit_log(client, world, who):
    login_as(client, getattr(world, who))
    assert client.get(reverse("core:audit_list")).status_code == 404
    assert client.get(reverse("core:audit_export")).status_code == 404
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code in (302, 403)


def test_every_superuser_action_is_audited(client, world):
    root = User.objects.create_superuser("root", password="Root2026password!")
    login_as(client, root)
    param = PolicyParameter.objects.get(key="venue_min_area")
    url = reverse("admin:core_policyparameter_change", args=[param.pk])
    client.post(
        url,
        {
            "rule_id": "R-VENUE-1",
            "label": param.label,
            "value": "210",
            "unit": "平方米",
            "source": param.source,
            "effective_from": "2027-01-01",
            "note": "",
        },
    )
    entry = AuditEntry.objects.get(action="accounts.superuser.request", actor=root)
    assert entry.data["path"] == url and entry.data["method"] == "POST"
    login_as(client, world.bureau)
    client.post(url, {})
    assert not AuditEntry.objects.filter(action="accounts.superuser.request", actor=world.bureau).exists()


@pytest.mark.parametrize(
    ("who", "text"), [("useradmin", "账号管理员工作台"), ("auditadmin", "审计管理员工作台")]
)
def test_each_administrator_has_their_own_home_page(client, world, who, text):
    login_as(client, getattr(world, who))
    assert text in client.get(reverse("core:home")).content.decode()

"""The walkthrough of the README's "bringing a new user in": useradmin creates a director for 金泽镇
through the pages; that person logs in with the one-time password and sees 金泽镇 and only 金泽镇
(pages, API, downloads); the bureau moves 金泽镇's center to another unit and the old unit's user gets
404 at once; deactivation makes the session and the token fail at once."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from centers.models import GovernanceRule, ServiceCenter
from core.testing import login_as

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Jinze-Director-2026"


def test_bringing_a_new_director_in(client, world):
    other_rule = GovernanceRule.objects.create(
        center=world.zhujiajiao, kind="finance", title="财务管理制度", adopted_on="2020-01-01"
    )
    other_rule.document.save("finance.pdf", ContentFile(b"%PDF-1.4 other"), save=True)

    # 1. useradmin creates the director through the pages and reads the one-time password once.
    admin = Client()
    login_as(admin, world.useradmin)
    form = admin.get(reverse("accounts:user_create"))
    assert form.status_code == 200 and "所属服务中心" in form.content.decode()
    created = admin.post(
        reverse("accounts:user_create"),
        {
            "username": "chen_jinze",
            "full_name": "陈静",
            "mobile": "13800138000",
            "email": "",
            "role": Role.DIRECTOR,
            "center": world.jinze.pk,
            "supervising_unit": "",
            "organization_name": "",
        },
    )
    one_time = created.context["issued"][0].password
    person = User.objects.get(username="chen_jinze")
    assert person.must_change_password

    # 2. the person logs in with it through the login form and chooses a new password.
    director = Client()
    login = director.post(reverse("accounts:login"), {"username": "chen_jinze", "password": one_time})
    assert login.status_code == 302
    changed = director.post(
        reverse("accounts:password_change"),
        {"old_password": one_time, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302

    # 3. sees 金泽镇 and only 金泽镇: pages, API, downloads.
    assert director.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 200
    assert director.get(reverse("centers:center_detail", args=[world.zhujiajiao.pk])).status_code == 404
    assert director.get(reverse("staffing:roster", args=[world.zhujiajiao.pk])).status_code == 404
    token = director.post("/api/v1/auth/token/", {"username": "chen_jinze", "password": NEW_PASSWORD}).json()[
        "token"
    ]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert [c["name"] for c in api.get("/api/v1/centers/").json()["results"]] == [world.jinze.name]
    assert api.get(f"/api/v1/centers/{world.zhujiajiao.pk}/").status_code == 404
    own = director.get(reverse("centers:document", args=["governancerule", world.rule.pk, "document"]))
    assert own.status_code == 200
    other = director.get(reverse("centers:document", args=["governancerule", other_rule.pk, "document"]))
    assert other.status_code == 404
    assert director.get(reverse("staffing:roster_export", args=[world.jinze.pk])).status_code == 200
    assert director.get(reverse("staffing:roster_export", args=[world.zhujiajiao.pk])).status_code == 404

    # 4. the bureau moves 金泽镇's center to another unit: the old unit's user gets 404 at once.
    supervisor = Client()
    login_as(supervisor, world.supervisor_jinze)
    detail = reverse("centers:center_detail", args=[world.jinze.pk])
    assert supervisor.get(detail).status_code == 200
    bureau = Client()
    login_as(bureau, world.bureau)
    moved = bureau.patch(
        f"/api/v1/centers/{world.jinze.pk}/",
        {
            "supervising_unit": world.other_unit.pk,
            "version": ServiceCenter.objects.get(pk=world.jinze.pk).version,
        },
        content_type="application/json",
    )
    assert moved.status_code == 200
    for url in (
        detail,
        reverse("staffing:roster", args=[world.jinze.pk]),
        f"/api/v1/centers/{world.jinze.pk}/",
    ):
        assert supervisor.get(url).status_code == 404, url

    # 5. deactivation: the director's session and token fail at once.
    admin.post(reverse("accounts:user_set_active", args=[person.pk]), {"active": "0"})
    assert director.get(detail).status_code == 302
    assert api.get("/api/v1/centers/").status_code in (401, 403)
    assert not User.objects.get(pk=person.pk).is_active

"""core.access from the outsider's side: what the declaration turns away before any data is read."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from centers.tests import factories as f
from core.access import BUREAU, PUBLIC, SIGNED_IN, access, declaration_of, in_scope, roles
from core.models import Job
from core.testing import login_as, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    from evaluations import services

    bureau = make_user("t_bureau", Role.BUREAU)
    return services.cycle_create(year=2025, actor=bureau, with_default_rubric=False)


@pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.AUDIT_ADMIN])
def test_it_shows_administrators_no_evaluation_cycle(client, cycle, role):
    # Before the declarations every signed-in user read every cycle (Cycle.restrict_queryset opens
    # "view" to all): the account and audit administrators read no business data.
    login_as(client, make_user("t_admin", role))
    assert client.get(reverse("evaluations:cycle_list")).status_code == 404
    assert client.get(reverse("evaluations:cycle_detail", args=[cycle.pk])).status_code == 404
    api = client.get("/api/v1/evaluation-cycles/")
    assert api.status_code == 404
    assert api.json()["error"]["message"] == "未找到该对象，或您无权访问。"
    assert client.get(f"/api/v1/evaluation-cycles/{cycle.pk}/").status_code == 404


def test_it_lets_the_audit_administrator_start_no_report_job(client):
    login_as(client, make_user("t_auditadmin", Role.AUDIT_ADMIN))
    assert client.post(reverse("reports:test_pdf_create")).status_code == 404
    assert not Job.objects.exists()


def test_it_answers_405_to_a_method_the_view_does_not_declare(client):
    center = f.center_for("朱家角镇")
    client.force_login(make_user("t_director", Role.DIRECTOR, center=center))
    assert client.get(reverse("centers:center_detail", args=[center.pk])).status_code == 200
    assert client.post(reverse("centers:center_detail", args=[center.pk])).status_code == 405


def test_it_sends_a_deactivated_user_to_the_login_page_and_refuses_their_token(client):
    center = f.center_for("朱家角镇")
    user = make_user("t_director", Role.DIRECTOR, center=center)
    token = Token.objects.create(user=user)
    client.force_login(user, backend="accounts.backends.PortalModelBackend")
    assert client.get(reverse("centers:center_detail", args=[center.pk])).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])

    page = client.get(reverse("centers:center_detail", args=[center.pk]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:login"))
    api = client.get(f"/api/v1/centers/{center.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code in (401, 403)


def test_it_gives_a_signed_in_outsider_404_never_403(client):
    center = f.center_for("朱家角镇")
    client.force_login(make_user("t_auditor", Role.AUDITOR))
    assert client.get(reverse("centers:overview")).status_code == 404
    assert client.get("/api/v1/staff-members/").status_code == 404
    assert client.post("/api/v1/centers/", data={}, content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/centers/{center.pk}/").status_code == 404


def test_its_declaration_reads_back_from_the_view():
    @access(read=BUREAU | in_scope(Role.DIRECTOR), write=roles(Role.BUREAU), create=BUREAU)
    def page(request):
        return None

    declaration = declaration_of(page)
    assert declaration.audience("GET").reach_of(Role.DIRECTOR) == "scope"
    assert declaration.audience("GET").reach_of(Role.BUREAU) == "every"
    assert declaration.audience("POST").reach_of(Role.DIRECTOR) is None
    assert declaration.audience("DELETE", "create") == BUREAU
    assert str(PUBLIC | SIGNED_IN) == "PUBLIC | SIGNED_IN"
    assert declaration.allowed_methods() == ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]

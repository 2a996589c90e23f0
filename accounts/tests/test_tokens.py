"""Issue 14 §2, from the attacker's side: an API token never outlives its reason to exist.

Before: tokens never expired and survived logout, password change and lockout; there was no revoke;
an anonymous API call answered 403 without saying to log in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from core.models import AuditEntry
from core.testing import TEST_PASSWORD, login_as, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(db):
    from centers.choices import CenterLevel
    from centers.models import District, ServiceCenter, StreetTown

    district = District.objects.order_by("pk").first()
    st = StreetTown.objects.filter(district=district).order_by("sort_order").first()
    center = ServiceCenter.objects.create(
        district=district,
        level=CenterLevel.STREET_TOWN,
        street_town=st,
        name="测试中心",
        supervising_unit=st.supervising_unit,
    )
    return make_user("tk_director", Role.DIRECTOR, center=center)


def _token(client: Client, username="tk_director", password=TEST_PASSWORD) -> str:
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    assert response.json()["expires_at"]
    return response.json()["token"]


def _api(token: str) -> int:
    return Client().get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token}").status_code


def test_an_anonymous_api_call_is_a_401_in_the_error_shape():
    response = Client().get("/api/v1/centers/")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401 and "登录" in response.json()["error"]["message"]


def test_a_token_expires_after_api_token_hours(director, settings):
    settings.API_TOKEN_HOURS = 12
    token = _token(Client())
    assert _api(token) == 200
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=12, minutes=1))
    response = Client().get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401 and "过期" in response.json()["error"]["message"]
    assert not Token.objects.filter(key=token).exists()
    assert _token(Client()) != token  # a new one is issued


def test_logout_ends_the_token(director):
    token = _token(Client())
    web = Client()
    assert (
        web.post(
            reverse("accounts:login"), {"username": "tk_director", "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    web.post(reverse("accounts:logout"))
    assert _api(token) == 401


def test_a_password_change_or_reset_ends_the_token(director):
    token = _token(Client())
    director.set_password("Another-Password-2026")
    director.save()
    assert _api(token) == 401
    token = _token(Client(), password="Another-Password-2026")
    admin = make_user("tk_useradmin", Role.ACCOUNT_ADMIN)
    from accounts import services

    services.user_reset_password(user=director, actor=admin)
    assert _api(token) == 401


def test_a_lockout_ends_the_token(director, settings):
    token = _token(Client())
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "tk_director", "password": "Wrong-Password-1"})
    assert AuditEntry.objects.filter(action="accounts.user.locked_out").exists()
    assert _api(token) == 401


def test_the_holder_revokes_through_the_api_and_sees_it_on_the_page(director):
    token = _token(Client())
    response = Client().post("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["revoked"] == 1
    assert _api(token) == 401
    token = _token(Client())
    page = login_as(Client(), director)
    html = page.get(reverse("accounts:api_token")).content.decode()
    assert "失效时间" in html and token[-4:] in html and token not in html
    page.post(reverse("accounts:api_token"))
    assert _api(token) == 401
    assert "没有有效的接口令牌" in page.get(reverse("accounts:api_token")).content.decode()
    reasons = list(AuditEntry.objects.filter(action="accounts.token.revoked").values_list("data", flat=True))
    assert {"reason": "本人撤销"} in reasons


# ---- issue 14 §5: lockout by username and address, growing; the test PDF is the bureau's ---------
def _fail(client, username, address, times):
    for _ in range(times):
        client.post(
            reverse("accounts:login"),
            {"username": username, "password": "Wrong-Password-1"},
            REMOTE_ADDR=address,
        )


def test_an_outsider_cannot_lock_the_bureau_out_from_another_address(settings):
    make_user("tk_bureau", Role.BUREAU)
    _fail(Client(), "tk_bureau", "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    office = Client()
    response = office.post(
        reverse("accounts:login"),
        {"username": "tk_bureau", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.5",
    )
    assert response.status_code == 302, "the bureau, from the office, still logs in"
    locked = Client().post(
        reverse("accounts:login"),
        {"username": "tk_bureau", "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert locked.status_code != 302  # the guessing address stays locked


def test_each_repeated_lockout_doubles_the_wait(settings, rf):
    from accounts.lockout import cool_off

    settings.LOGIN_LOCKOUT_MINUTES = 30
    make_user("tk_victim", Role.DIRECTOR)
    request = rf.post("/accounts/login/", {"username": "tk_victim"}, REMOTE_ADDR="198.51.100.7")
    assert cool_off(request) == timedelta(minutes=30)
    for n in (1, 2, 3):
        log = AuditEntry(
            action="accounts.user.locked_out", address="198.51.100.7", data={"username": "tk_victim"}
        )
        log.save()
        assert cool_off(request) == timedelta(minutes=30 * 2 ** (n - 1))
    other = rf.post("/accounts/login/", {"username": "tk_victim"}, REMOTE_ADDR="198.51.100.8")
    assert cool_off(other) == timedelta(minutes=30)


def test_only_the_bureau_may_queue_test_pdfs_and_not_without_limit(director):
    from core.models import Job
    from reports.services import TEST_PDF_KIND

    page = login_as(Client(), director)
    assert page.post(reverse("reports:test_pdf_create")).status_code == 404
    assert "生成测试 PDF" not in page.get("/").content.decode()
    bureau = login_as(Client(), make_user("tk_bureau2", Role.BUREAU))
    for _ in range(5):
        assert bureau.post(reverse("reports:test_pdf_create")).status_code == 302
    sixth = bureau.post(reverse("reports:test_pdf_create"), follow=True)
    assert "过于频繁" in sixth.content.decode()
    assert Job.objects.filter(kind=TEST_PDF_KIND).count() == 5

"""The TOTP second factor (django-otp), with real codes computed from the device's key."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.roles import Role
from core.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def code_for(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + drift):06d}"


def log_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def enrolled(username, role=Role.BUREAU):
    user = make_user(username, role)
    device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    codes = two_factor.regenerate_recovery_codes(user=user)
    return user, device, codes


def test_an_account_administrator_must_enrol_before_anything_else_works(client):
    user = make_user("useradmin1", Role.ACCOUNT_ADMIN)
    log_in(client, "useradmin1")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/?next=%2F"
    api = client.get("/api/v1/centers/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_enrolment_required"

    page = client.get("/accounts/two-factor/")
    html = page.content.decode()
    assert "您的角色须启用双因素认证" in html
    assert "<svg" in html and "https://" not in html  # the QR code is drawn on the server
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.get("/accounts/two-factor/").content.decode().count(device.key) == 0  # key never in hex

    wrong = client.post("/accounts/two-factor/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # django-otp's slow-down

    response = client.post(
        "/accounts/two-factor/", {"action": "confirm", "code": code_for(device), "next": "/"}
    )
    assert (
        response.status_code == 302 and response["Location"] == "/accounts/two-factor/recovery-codes/?next=/"
    )
    codes_page = client.get(response["Location"]).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(tokens) == 10 and all(token in codes_page for token in tokens)
    assert client.get(response["Location"]).status_code == 302  # shown once
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/users/").status_code == 200  # past the gate: their own list (账号管理)


def test_other_roles_may_use_the_site_without_enrolling(client):
    make_user("director1", Role.DIRECTOR)
    log_in(client, "director1")
    assert client.get("/").status_code == 200


def test_an_enrolled_user_is_asked_for_the_code_after_the_password(client):
    user, device, _codes = enrolled("bureau2fa")
    response = log_in(client, "bureau2fa")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session  # the password alone does not log in
    assert client.get("/").status_code == 302

    wrong = client.post("/accounts/login/verify/", {"code": "123456"})
    assert wrong.status_code == 200 and "验证码不正确或已过期" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp slows down repeated failures; reset for the test
    device.save()
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/").status_code == 200


def test_a_recovery_code_logs_in_once(client):
    _user, _device, codes = enrolled("recover")
    log_in(client, "recover")
    response = client.post("/accounts/login/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert "还剩 9 个" in client.get("/").content.decode()
    client.post(reverse("accounts:logout"))
    log_in(client, "recover")
    reused = client.post("/accounts/login/verify/", {"code": codes[0]})
    assert reused.status_code == 200 and "_auth_user_id" not in client.session


def test_the_code_step_cannot_be_skipped_by_another_login_path(client):
    user, _device, _codes = enrolled("sneaky")
    client.force_login(user)  # e.g. the admin's own login page, which asks no code
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    client.force_login(user)
    api = client.get("/api/v1/centers/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires_and_needs_the_password_first(client):
    make_user("nopassword", Role.BUREAU)
    response = client.get("/accounts/login/verify/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_wrong_codes_count_toward_the_lockout(client):
    enrolled("guessed")
    log_in(client, "guessed")
    for _ in range(5):
        response = client.post("/accounts/login/verify/", {"code": "000000"})
    assert response.status_code == 429 and "锁定" in response.content.decode()
    assert log_in(client, "guessed").status_code == 429


def test_token_for_an_enrolled_user_needs_the_code(client):
    _user, device, _codes = enrolled("apitoken")
    refused = client.post("/api/v1/auth/token/", {"username": "apitoken", "password": TEST_PASSWORD})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "two_factor_code_invalid" and "code" in error["fields"]
    ok = client.post(
        "/api/v1/auth/token/", {"username": "apitoken", "password": TEST_PASSWORD, "code": code_for(device)}
    )
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40


def test_token_of_a_required_role_without_enrolment_is_refused(client):
    make_user("auditadmin1", Role.AUDIT_ADMIN)
    token = client.post("/api/v1/auth/token/", {"username": "auditadmin1", "password": TEST_PASSWORD}).json()[
        "token"
    ]
    response = client.get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"] == "您的角色须启用双因素认证，请先在网页上登录并绑定验证器应用。"
    )


def test_enrolled_user_can_renew_recovery_codes(client):
    user, device, codes = enrolled("renew")
    log_in(client, "renew")
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "剩余恢复码 10 个" in page
    response = client.post("/accounts/two-factor/", {"action": "regenerate"})
    new_page = client.get(response["Location"]).content.decode()
    assert codes[0] not in new_page
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert not StaticToken.objects.filter(device__user=user, token=codes[0]).exists()


def test_unknown_two_factor_role_stops_start_up(settings):
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    settings.TWO_FACTOR_ROLES = ["account_admin", "superhero"]
    with pytest.raises(ImproperlyConfigured, match="TWO_FACTOR_ROLES: unknown role"):
        apps.get_app_config("accounts").ready()


def test_an_account_administrator_resets_a_lost_authenticator_and_others_cannot(client):
    from django.http import Http404

    from core.models import AuditEntry

    user, _device, _codes = enrolled("lostphone", Role.AUDIT_ADMIN)
    for outsider in (make_user("bureau_x", Role.BUREAU), make_user("director_x", Role.DIRECTOR)):
        with pytest.raises(Http404):
            two_factor.two_factor_reset(user=user, actor=outsider)
    assert TOTPDevice.objects.filter(user=user).exists()

    admin = make_user("useradmin_x", Role.ACCOUNT_ADMIN)
    two_factor.two_factor_reset(user=user, actor=admin)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert AuditEntry.objects.filter(action="accounts.user.two_factor_reset", actor=admin).count() == 1
    log_in(client, "lostphone")  # password only, then straight to enrolment
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")


def test_an_optional_user_may_turn_it_off_and_a_required_role_may_not(client):
    user, device, _codes = enrolled("optional", Role.BUREAU)
    log_in(client, "optional")
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert "停用双因素认证" in client.get("/accounts/two-factor/").content.decode()
    response = client.post("/accounts/two-factor/", {"action": "disable"}, follow=True)
    assert "已停用双因素认证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    admin, admin_device, _codes = enrolled("mustkeep", Role.ACCOUNT_ADMIN)
    client.post(reverse("accounts:logout"))
    log_in(client, "mustkeep")
    client.post("/accounts/login/verify/", {"code": code_for(admin_device)})
    page = client.get("/accounts/two-factor/").content.decode()
    assert 'value="disable"' not in page
    response = client.post("/accounts/two-factor/", {"action": "disable"}, follow=True)
    assert "不能停用" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()

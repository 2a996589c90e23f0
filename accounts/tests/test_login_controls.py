"""Login controls (等保二级 身份鉴别), from the user's and the attacker's side: password rules and
history, forced change, expiry, the notice after login."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginEvent, PasswordHistory, User
from accounts.roles import Role
from core.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORDS = ["Qingpu-2026-a1", "Qingpu-2026-b2", "Qingpu-2026-c3", "Qingpu-2026-d4", "Qingpu-2026-e5"]


def log_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def change_password(client, old, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


# ---- Complexity ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", "密码太短：现有 7 位"),
        ("qingpuzhujiajiao2026", "至少 3 种"),  # lower + digits
        ("QINGPUZHUJIAJIAO!!", "至少 3 种"),  # upper + symbols
        ("zhujiajiaoqingpu", "至少 3 种"),  # one class
    ],
)
def test_it_refuses_a_password_without_ten_characters_from_three_classes(password, message):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    text = " ".join(exc.value.messages)
    assert message in text
    assert "大写字母、小写字母、数字、符号" in text


@pytest.mark.parametrize(
    "password", ["Zhujiajiao2026", "zhujiajiao-2026", "ZHUJIAJIAO-2026", "Zhujiajiao-go"]
)
def test_it_accepts_ten_characters_from_three_classes(password):
    validate_password(password)


def test_common_and_similar_passwords_are_still_refused():
    user = User(username="zhujiajiaoqingpu", full_name="张三")
    with pytest.raises(ValidationError):
        validate_password("Password123", user)  # Django's common-password list
    with pytest.raises(ValidationError):
        validate_password("Zhujiajiaoqingpu1", user)  # too similar to the username


def test_change_page_names_the_rule_in_chinese(client):
    make_user("weak", Role.DIRECTOR)
    log_in(client, "weak")
    response = change_password(client, TEST_PASSWORD, "short1A")
    assert response.status_code == 200
    html = response.content.decode()
    assert "密码太短" in html and "至少 3 种" in html
    assert User.objects.get(username="weak").check_password(TEST_PASSWORD)


# ---- History ------------------------------------------------------------------------------------------
def test_the_last_five_passwords_cannot_be_reused_and_the_sixth_can(client):
    user = make_user("history", Role.DIRECTOR)
    log_in(client, "history")
    current = TEST_PASSWORD
    for new in NEW_PASSWORDS[:4]:
        assert change_password(client, current, new).status_code == 302
        current = new
    # History now: TEST_PASSWORD, a1, b2, c3, d4 — every one of them is refused.
    for old in [TEST_PASSWORD, *NEW_PASSWORDS[:4]]:
        response = change_password(client, current, old)
        assert response.status_code == 200
        assert "新密码不能与最近 5 次使用过的密码相同" in response.content.decode()
    assert change_password(client, current, NEW_PASSWORDS[4]).status_code == 302
    # TEST_PASSWORD is now the sixth most recent: allowed again.
    assert change_password(client, NEW_PASSWORDS[4], TEST_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_history_is_recorded_on_every_path_including_an_administrators_reset():
    user = make_user("reset", Role.DIRECTOR)
    assert PasswordHistory.objects.filter(user=user).count() == 1  # the first password
    user.set_password("Reset-by-admin-1")  # what an administrator's reset or the Django admin does
    user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 2
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    for reused in ("Reset-by-admin-1", TEST_PASSWORD):
        with pytest.raises(ValidationError) as exc:
            validate_password(reused, user)
        assert "最近 5 次" in exc.value.messages[0]


def test_the_admin_password_form_refuses_a_reused_password():
    from django.contrib.auth.forms import AdminPasswordChangeForm

    user = make_user("adminform", Role.DIRECTOR)
    form = AdminPasswordChangeForm(user, {"password1": TEST_PASSWORD, "password2": TEST_PASSWORD})
    assert not form.is_valid()
    assert "最近 5 次" in str(form.errors)


def test_history_keeps_no_plain_passwords():
    user = make_user("hashed", Role.DIRECTOR)
    stored = PasswordHistory.objects.get(user=user).password
    assert TEST_PASSWORD not in stored and stored == user.password


# ---- Forced change ------------------------------------------------------------------------------------
def test_a_new_account_must_change_its_password_before_anything_else_works(client):
    user = make_user("newbie", Role.BUREAU, must_change_password=True)
    response = log_in(client, "newbie")
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/?next=%2F"
    assert client.get("/centers/").status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "首次登录或密码已被管理员重置" in page.content.decode()
    assert client.get("/static/portal/portal.css").status_code == 200

    api = client.get("/api/v1/centers/")
    assert api.status_code == 403
    assert api.json() == {
        "error": {
            "status": 403,
            "code": "password_change_required",
            "message": "您须先修改密码才能继续使用（首次登录、密码被重置或已过期）。请在网页上登录并修改密码。",
            "fields": {},
        }
    }

    response = client.post(
        "/accounts/password/?next=/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Newbie-2026-x",
            "new_password2": "Newbie-2026-x",
            "next": "/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.must_change_password is False
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/centers/").status_code == 200


def test_logout_still_works_while_the_change_is_owed(client):
    make_user("leaving", Role.DIRECTOR, must_change_password=True)
    log_in(client, "leaving")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_token_cannot_bypass_the_forced_change(client):
    make_user("tokenuser", Role.BUREAU, must_change_password=True)
    token = client.post("/api/v1/auth/token/", {"username": "tokenuser", "password": TEST_PASSWORD}).json()[
        "token"
    ]
    response = client.get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "password_change_required"
    assert error["message"].startswith("您须先修改密码")


def test_the_admin_is_held_at_the_forced_change_too(client):
    make_user("staffer", Role.BUREAU, must_change_password=True, is_staff=True)
    log_in(client, "staffer")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")


# ---- Expiry -------------------------------------------------------------------------------------------
def test_an_expired_password_must_be_changed(client):
    user = make_user("old", Role.DIRECTOR)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    log_in(client, "old")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    page = client.get("/accounts/password/")
    assert "您的密码已超过 90 天未修改，已经过期" in page.content.decode()
    assert change_password(client, TEST_PASSWORD, "Renewed-2026-a").status_code == 302
    assert client.get("/").status_code == 200


def test_a_banner_warns_seven_days_before_expiry(client):
    user = make_user("soon", Role.DIRECTOR)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=85, hours=1))
    log_in(client, "soon")
    html = client.get("/").content.decode()
    assert "您的密码将于 5 天后过期" in html


def test_no_banner_more_than_seven_days_before_expiry(client):
    user = make_user("fresh", Role.DIRECTOR)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=80))
    log_in(client, "fresh")
    assert "天后过期" not in client.get("/").content.decode()


def test_expiry_is_off_when_max_age_is_zero(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = make_user("forever", Role.DIRECTOR)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=900))
    log_in(client, "forever")
    response = client.get("/")
    assert response.status_code == 200
    assert "过期" not in response.content.decode()


# ---- Notice after login -------------------------------------------------------------------------------
def test_after_login_the_page_shows_the_previous_login_and_failures_since(client):
    make_user("watched", Role.DIRECTOR)
    log_in(client, "watched", "Wrong-password-1")
    log_in(client, "watched", "Wrong-password-2")
    assert log_in(client, "watched").status_code == 302
    html = client.get("/").content.decode()
    assert "这是您首次登录本门户" in html and "此前有 2 次登录失败" in html
    assert "这是您首次登录本门户" not in client.get("/").content.decode()  # shown once

    client.post(reverse("accounts:logout"))
    first = LoginEvent.objects.get(username="watched", succeeded=True)
    log_in(client, "watched", "Wrong-password-3")
    log_in(client, "watched")
    html = client.get("/").content.decode()
    shown = timezone.localtime(first.created_at).strftime("%Y年%-m月%-d日 %H:%M")
    assert f"上次登录：{shown}，来源地址 127.0.0.1" in html
    assert "此后有 1 次登录失败" in html


def test_failures_are_recorded_for_unknown_names_without_a_user():
    from django.test import Client

    Client().post(reverse("accounts:login"), {"username": "nobody-here", "password": "Wrong-password-1"})
    event = LoginEvent.objects.get(username="nobody-here")
    assert event.user is None and event.succeeded is False and event.ip_address == "127.0.0.1"


def test_the_notice_waits_for_the_forced_change(client):
    make_user("patient", Role.DIRECTOR, must_change_password=True)
    log_in(client, "patient")
    assert 'data-testid="login-notice"' not in client.get("/accounts/password/").content.decode()
    change_password(client, TEST_PASSWORD, "Patient-2026-a")
    assert "这是您首次登录本门户" in client.get("/").content.decode()


# ---- Cost of the gate ---------------------------------------------------------------------------------
def test_the_gate_asks_the_database_once_per_session(rf, django_assert_num_queries):
    from django.contrib.sessions.backends.db import SessionStore

    from accounts import security

    user = make_user("cheap", Role.DIRECTOR)
    user = User.objects.get(pk=user.pk)
    request = rf.get("/")
    request.session = SessionStore()
    _ = user.role  # the role is read by every page anyway (header, navigation, restrict)
    with django_assert_num_queries(1):  # is there a confirmed authenticator?
        assert security.gate_step(request, user) is None
    with django_assert_num_queries(0):
        assert security.gate_step(request, user) is None

"""``/api/v1/users/``: the account administrator's API; 404 for everyone else."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.roles import Role
from core.testing import login_as

pytestmark = pytest.mark.django_db


def body(world, **overrides):
    return {
        "username": "api_director",
        "full_name": "王一",
        "role": Role.DIRECTOR,
        "center": world.jinze.pk,
        **overrides,
    }


def test_create_returns_the_initial_password_once_and_lists_mask_the_mobile(client, world):
    login_as(client, world.useradmin)
    created = client.post(
        "/api/v1/users/", body(world, mobile="13812345678"), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    password = created.json()["initial_password"]
    user = User.objects.get(username="api_director")
    assert user.check_password(password) and user.must_change_password
    again = client.get(f"/api/v1/users/{user.pk}/").json()
    assert "initial_password" not in again and "password" not in again and again["mobile"] == "13812345678"
    listed = {u["username"]: u for u in client.get("/api/v1/users/").json()["results"]}
    assert listed["api_director"]["mobile"] == "138****5678"


def test_create_with_a_password_returns_none_and_checks_the_policy(client, world):
    login_as(client, world.useradmin)
    weak = client.post("/api/v1/users/", body(world, password="abcdefghij"), content_type="application/json")
    assert weak.status_code == 400 and "至少 3 类" in weak.json()["error"]["fields"]["password"][0]
    ok = client.post("/api/v1/users/", body(world, password="Qingpu-2026-x"), content_type="application/json")
    assert ok.status_code == 201 and "initial_password" not in ok.json()


def test_missing_affiliation_is_a_400_naming_the_field(client, world):
    login_as(client, world.useradmin)
    response = client.post("/api/v1/users/", body(world, center=None), content_type="application/json")
    assert response.status_code == 400
    assert "须选择所属服务中心" in response.json()["error"]["fields"]["center"][0]


def test_patch_is_active_false_deactivates_and_ends_the_token(client, world):
    token = Token.objects.create(user=world.director_jinze)
    login_as(client, world.useradmin)
    url = f"/api/v1/users/{world.director_jinze.pk}/"
    response = client.patch(url, {"is_active": False}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not Token.objects.filter(pk=token.pk).exists()


def test_patch_needs_the_current_version(client, world):
    login_as(client, world.useradmin)
    url = f"/api/v1/users/{world.director_jinze.pk}/"
    version = client.get(url).json()["version"]
    ok = client.patch(url, {"full_name": "新名字", "version": version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == version + 1
    stale = client.patch(url, {"full_name": "旧页面", "version": version}, content_type="application/json")
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["error"]["message"]
    assert User.objects.get(pk=world.director_jinze.pk).full_name == "新名字"


def test_reset_password_returns_a_one_time_password(client, world):
    login_as(client, world.useradmin)
    response = client.post(f"/api/v1/users/{world.director_jinze.pk}/reset-password/")
    assert response.status_code == 200
    user = User.objects.get(pk=world.director_jinze.pk)
    assert user.check_password(response.json()["one_time_password"]) and user.must_change_password


@pytest.mark.parametrize("who", ["bureau", "auditadmin", "director_jinze", "supervisor_jinze", "auditor"])
def test_outsiders_get_404_on_every_users_api_operation(client, world, who):
    login_as(client, getattr(world, who))
    target = world.director_zhujiajiao
    assert client.get("/api/v1/users/").status_code == 404
    assert client.get(f"/api/v1/users/{target.pk}/").status_code == 404
    assert client.post("/api/v1/users/", body(world), content_type="application/json").status_code == 404
    assert (
        client.patch(
            f"/api/v1/users/{target.pk}/",
            {"role": Role.BUREAU, "center": None, "version": target.version},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/users/{target.pk}/reset-password/").status_code == 404
    target.refresh_from_db()
    assert target.role == Role.DIRECTOR and not User.objects.filter(username="api_director").exists()


def test_the_api_list_query_count_does_not_grow_with_the_number_of_users(
    client, world, django_assert_num_queries
):
    from core.testing import make_user

    for i in range(30):
        make_user(f"api_bulk{i:02d}", Role.DIRECTOR, center=world.jinze)
    login_as(client, world.useradmin)
    client.get("/api/v1/users/")
    # session, user, permissions (the user's and their groups', one query), count, the page, its role
    # groups (no session save); 8: django-otp's device lookup for the admin's verified session, and the role groups that the
    # access declaration (core.access.DeclaredAccess) reads before the view runs.
    with django_assert_num_queries(8):
        response = client.get("/api/v1/users/")
    assert response.json()["count"] == 37

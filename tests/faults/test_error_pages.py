"""Pages for every failure: Chinese 403/404/500/503 in the portal's layout, never Django's technical
pages (no URL list, no stack trace) — the 404 also with DEBUG on, as `make run` used to serve it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.test import Client, override_settings
from django.urls import path

from accounts.roles import Role
from core.testing import make_user
from qingpu_portal.urls import urlpatterns as portal_urls

LAYOUT = "青浦区社会组织服务中心门户"  # the header and title of every page
TECHNICAL = ("urlpatterns", "URLconf", "Traceback", "Django tried these URL patterns", "Request Method")


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise ValueError("internal detail that must not reach the page")


def _bad_request(request):
    raise SuspiciousOperation("tampered")


def _database_gone(request):
    raise OperationalError("could not connect to server: Connection refused")


def _connection_closed(request):
    raise InterfaceError("connection already closed")


handler400 = "core.views.bad_request"  # as qingpu_portal.urls
handler500 = "core.errorpages.server_error"

urlpatterns = [
    path("__test__/forbidden/", _forbidden),
    path("__test__/bad/", _bad_request),
    path("__test__/broken/", _broken),
    path("__test__/db/", _database_gone),
    path("__test__/closed/", _connection_closed),
    path("api/v1/__test__/db/", _database_gone),
    *portal_urls,
]


def page(response) -> str:
    text = response.content.decode()
    assert LAYOUT in text, "not in the portal's layout"
    for word in TECHNICAL:
        assert word not in text, f"technical detail on the page: {word}"
    return text


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_address_is_a_chinese_404_even_with_debug_on(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    text = page(response)
    assert "页面不存在" in text and "/no/such/page/" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_object_outside_ones_rights_is_the_same_404_page(settings, debug):
    settings.DEBUG = debug
    client = Client()
    client.force_login(make_user("t_public", Role.PUBLIC))
    response = client.get("/centers/999999/")
    assert response.status_code == 404
    assert "页面不存在" in page(response)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_forbidden_is_a_chinese_403():
    response = Client().get("/__test__/forbidden/")
    assert response.status_code == 403
    assert "没有权限" in page(response)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crash_is_a_chinese_500_without_details():
    client = Client(raise_request_exception=False)
    response = client.get("/__test__/broken/")
    assert response.status_code == 500
    text = page(response)
    assert "系统出错" in text and "internal detail" not in text and "ValueError" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/__test__/db/", "/__test__/closed/"])
@pytest.mark.parametrize("debug", [False, True])
def test_a_lost_database_connection_is_a_chinese_503(settings, url, debug):
    from centers.selectors import current_district

    current_district()  # a running process has read its district before the database went away
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response["Retry-After"]
    text = page(response)
    assert "暂时无法使用" in text and "Connection refused" not in text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_lost_database_connection_in_the_api_is_the_error_shape():
    response = Client(raise_request_exception=False).get("/api/v1/__test__/db/")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["status"] == 503 and error["code"] == "unavailable" and "稍后" in error["message"]


@pytest.mark.django_db
def test_the_csrf_failure_page_is_chinese():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("t_csrf", Role.PUBLIC))
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "页面已过期" in page(response)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_bad_request_is_a_chinese_400():
    response = Client().get("/__test__/bad/")
    assert response.status_code == 400
    text = page(response)
    assert "请求有误" in text and "tampered" not in text

"""A database outage: every page answers the Chinese 503 page (the API its error shape), nothing
half-done; when the database is back the same client works again. The outage is real: the portal's
connection is pointed at a port where no PostgreSQL listens (no mock of the database)."""

from __future__ import annotations

import socket

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import Role
from centers.models import BoardMember
from centers.tests import factories as f
from core.testing import make_user

LAYOUT = "青浦区社会组织服务中心门户"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def outage(transactional_db):
    """Call it to take the database away; it comes back after the test."""
    connection = connections["default"]
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}

    def down():
        connection.close()
        connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": str(closed_port())})

    def up():
        connection.close()
        connection.settings_dict.update(saved)

    yield down, up
    up()


def test_pages_and_api_answer_503_while_the_database_is_down_and_work_again_after(outage):
    from centers.selectors import current_district

    current_district()  # a running process knows its district before the database goes away
    down, up = outage
    center = f.center_for("朱家角镇")
    director = make_user("t_director", Role.DIRECTOR, center=center)
    browser = Client(raise_request_exception=False)
    browser.force_login(director)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(director)

    down()
    for url in (f"/centers/{center.pk}/", "/public/", "/"):
        response = browser.get(url)
        assert response.status_code == 503, url
        text = response.content.decode()
        assert LAYOUT in text and "暂时无法使用" in text and "Traceback" not in text
        assert "Connection refused" not in text and "psycopg" not in text
    response = browser.post(f"/centers/{center.pk}/board-member/new/", {"name": "张三"})
    assert response.status_code == 503
    response = api.get(f"/api/v1/centers/{center.pk}/")
    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"

    up()
    assert browser.get(f"/centers/{center.pk}/").status_code == 200
    assert not BoardMember.objects.filter(center=center).exists()

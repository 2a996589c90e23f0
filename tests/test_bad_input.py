"""Issue 14 §4, from the attacker's side: no input breaks or poisons anything.

Each case below answered HTTP 500 (or followed a foreign `next`, or wrote on a GET, or put `../` into
a ZIP) on the code before this test existed. Bad ids, filters and bodies are a 400 with a Chinese
message naming what is wrong; NUL bytes are refused before they reach the database.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry
from evaluations.choices import CycleState
from evaluations.models import Cycle, Filing

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def bureau(demo):
    return client_for("bureau")


@pytest.fixture
def published_cycle(demo):
    return Cycle.objects.filter(state=CycleState.PUBLICITY).order_by("-year").first()


def _is_chinese_400(response) -> bool:
    body = response.content.decode()
    return response.status_code == 400 and "无效" in body and "Traceback" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/reports/?cycle=abc",
        "/reports/?cycle=1.5",
        "/evaluations/reviews/?state=%00",
        "/evaluations/reviews/?q=a%00b",
    ],
)
def test_bad_list_filters_answer_400_in_chinese(bureau, path):
    response = bureau.get(path)
    assert _is_chinese_400(response), (path, response.status_code)


def test_bad_revision_and_board_filter_answer_400(bureau, published_cycle):
    for path in (
        reverse("evaluations:cycle_results", args=[published_cycle.pk]) + "?revision=abc",
        reverse("evaluations:cycle_board", args=[published_cycle.pk]) + "?state=%00",
    ):
        response = bureau.get(path)
        assert _is_chinese_400(response), (path, response.status_code)


def test_bad_ids_in_posted_forms_answer_400_naming_the_field(bureau, published_cycle):
    filing = Filing.objects.filter(cycle=published_cycle).first()
    draft = Cycle.objects.exclude(pk=published_cycle.pk).first() or published_cycle
    cases = [
        (reverse("evaluations:evidence_upload", args=[filing.pk]), {"indicator": "abc"}, "指标"),
        (reverse("evaluations:rubric_copy", args=[draft.pk]), {"source": "abc"}, "来源"),
        (reverse("evaluations:audit_score_correct", args=[filing.pk]), {"indicator": "abc"}, "指标"),
    ]
    for path, data, field in cases:
        response = bureau.post(path, data)
        assert _is_chinese_400(response), (path, response.status_code)
        assert field in response.content.decode()


def test_nul_byte_in_a_posted_field_is_refused_and_nothing_is_saved(bureau, published_cycle):
    before = AuditEntry.objects.count()
    response = bureau.post(
        reverse("evaluations:cycle_advance", args=[published_cycle.pk]), {"to_state": "x\x00"}
    )
    assert _is_chinese_400(response)
    assert AuditEntry.objects.count() == before


def test_api_malformed_ids_and_bodies_answer_400_in_the_error_shape(demo):
    user = User.objects.get(username="bureau")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    filing = Filing.objects.order_by("pk").first()
    cases = [
        ("post", "/api/v1/filings/null,null/submit/", None),
        ("get", "/api/v1/filings/abc/", None),
        ("patch", f"/api/v1/filings/{filing.pk}/", json.dumps([None, None])),
        ("patch", f"/api/v1/filings/{filing.pk}/", json.dumps("text")),
        ("get", "/api/v1/filings/?cycle=abc", None),
    ]
    for method, path, body in cases:
        kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
        response = getattr(client, method)(path, **kwargs)
        assert response.status_code in (400, 404), (path, response.status_code)
        error = response.json()["error"]
        assert error["status"] == response.status_code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http:/\\evil.example"])
def test_next_is_never_followed_to_another_host(bureau, published_cycle, target):
    response = bureau.post(
        reverse("evaluations:cycle_advance", args=[published_cycle.pk]),
        {"to_state": CycleState.ARCHIVED + "-no", "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    filing = Filing.objects.filter(cycle=published_cycle).first()
    director = filing.center.users.first()
    if director is not None:
        client = client_for(director.username)
        response = client.post(reverse("evaluations:filing_submit", args=[filing.pk]), {"next": target})
        assert "evil.example" not in response.get("Location", "")


def test_a_local_next_is_still_followed(bureau, published_cycle):
    target = reverse("evaluations:cycle_results", args=[published_cycle.pk])
    response = bureau.post(
        reverse("evaluations:cycle_advance", args=[published_cycle.pk]),
        {"to_state": "nonsense", "next": target},
    )
    assert response["Location"] == target


def test_opening_the_draw_page_with_verify_writes_nothing(bureau, published_cycle):
    before = AuditEntry.objects.count()
    response = bureau.get(reverse("evaluations:cycle_draw", args=[published_cycle.pk]) + "?verify=1")
    assert response.status_code == 200
    assert AuditEntry.objects.count() == before


def test_verifying_the_draw_is_a_post_that_is_recorded(bureau, published_cycle):
    before = AuditEntry.objects.count()
    response = bureau.post(reverse("evaluations:cycle_draw_verify", args=[published_cycle.pk]))
    assert response.status_code == 200
    assert "复核" in response.content.decode()
    assert AuditEntry.objects.count() == before + 1


def test_cycle_zip_entry_names_never_leave_the_archive(bureau, published_cycle):
    """A center named ``../../x`` must not write a path outside the ZIP's folder."""
    from reports.models import ReportDocument

    document = ReportDocument.objects.filter(cycle=published_cycle, center__isnull=False).first()
    assert document is not None
    # The title is stored when the PDF is made, from the center's name then: as a center named so.
    type(document).objects.filter(pk=document.pk).update(title="../../x/..\\y")
    response = bureau.get(reverse("reports:cycle_zip", args=[published_cycle.pk]))
    assert response.status_code == 200
    names = zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).namelist()
    assert names
    for name in names:
        assert ".." not in name and not name.startswith("/") and "\\" not in name, name

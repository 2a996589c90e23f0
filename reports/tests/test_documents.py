"""Stored reports: revisions, integrity, public verification and permission-checked downloads."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from guardian.shortcuts import assign_perm

from core.models import AuditEntry
from reports.models import ReportDocument
from reports.services import document_render

from .conftest import simple_spec

pytestmark = pytest.mark.django_db


def _bytes(document) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()


def tamper(data: bytes) -> bytes:
    """What someone editing the PDF would produce: same pages, one property changed, saved again."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Title": "已改动"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _download(client, document):
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_render_stores_file_under_unguessable_name_with_its_sha256_and_page_count(filings):
    doc, created = document_render(simple_spec(filings["朱家角镇"]))
    assert created and doc.revision == 1 and doc.is_current
    data = _bytes(doc)
    assert data.startswith(b"%PDF")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data) and doc.page_count == 1
    assert doc.file.name.startswith("reports/") and "朱家角" not in doc.file.name
    assert len(doc.file.name.split("/")[-1]) >= 40
    assert len(doc.verification_code) == 12
    assert AuditEntry.objects.filter(action="reports.document.rendered", object_id=str(doc.pk)).exists()


def test_rerun_with_same_inputs_creates_nothing(filings):
    first, _ = document_render(simple_spec(filings["朱家角镇"]))
    again, created = document_render(simple_spec(filings["朱家角镇"]))
    assert not created and again.pk == first.pk
    assert ReportDocument.objects.count() == 1


def test_changed_inputs_make_a_new_revision_and_supersede_the_old_one(filings):
    first, _ = document_render(simple_spec(filings["朱家角镇"]))
    second, created = document_render(simple_spec(filings["朱家角镇"], note="更正稿"), reason="更正")
    first.refresh_from_db()
    assert created and second.revision == 2 and second.is_current
    assert not first.is_current and first.superseded_by == second
    assert first.file.name != second.file.name and first.sha256 != second.sha256
    assert _bytes(first).startswith(b"%PDF")  # the old revision stays stored
    assert (
        ReportDocument.objects.filter(subject_key=first.subject_key, superseded_at__isnull=True).count() == 1
    )


def test_verification_page_by_code_is_public_and_names_report_and_revision(client, filings):
    doc, _ = document_render(simple_spec(filings["朱家角镇"]))
    response = client.get(reverse("reports:verify_code", args=[doc.display_code.lower()]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "验证码有效" in text and doc.title in text and "第 1 版" in text


def test_verification_page_says_unknown_code_is_not_genuine(client, db):
    response = client.get(reverse("reports:verify_code", args=["ZZZZ-ZZZZ-ZZZZ"]))
    assert response.status_code == 200 and "验证码无效" in response.content.decode()


def test_verification_by_upload_tells_genuine_from_tampered(client, filings):
    doc, _ = document_render(simple_spec(filings["朱家角镇"]))
    data = _bytes(doc)
    genuine = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("r.pdf", data)})
    assert "文件真实" in genuine.content.decode() and doc.title in genuine.content.decode()
    tampered_bytes = tamper(data)
    assert tampered_bytes != data
    tampered = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("r.pdf", tampered_bytes)})
    assert "不是真实报告" in tampered.content.decode()


def test_superseded_revision_verifies_as_replaced(client, filings):
    first, _ = document_render(simple_spec(filings["朱家角镇"]))
    document_render(simple_spec(filings["朱家角镇"], note="更正稿"))
    response = client.get(reverse("reports:verify_code", args=[first.display_code]))
    assert "已被替代" in response.content.decode() and "第 2 版" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("bureau", 200), ("director", 200), ("supervisor", 200), ("other_director", 404), ("auditor", 404)],
)
def test_download_permission_matrix(client, filings, people, who, status):
    doc, _ = document_render(simple_spec(filings["朱家角镇"]))
    client.force_login(people[who])
    response, body = _download(client, doc)
    assert response.status_code == status
    if status == 200:
        assert hashlib.sha256(body).hexdigest() == doc.sha256
        assert AuditEntry.objects.filter(
            action="reports.document.downloaded", actor=people[who], object_id=str(doc.pk)
        ).exists()
    detail = client.get(reverse("reports:document_detail", args=[doc.pk]))
    assert detail.status_code == status


def test_anonymous_download_goes_to_login(client, filings):
    doc, _ = document_render(simple_spec(filings["朱家角镇"]))
    response = client.get(reverse("reports:document_download", args=[doc.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_auditor_downloads_only_the_filing_assigned_in_that_cycle(client, filings, people):
    assigned, _ = document_render(simple_spec(filings["朱家角镇"]))
    unassigned, _ = document_render(simple_spec(filings["金泽镇"]))
    assign_perm("evaluations.view_filing", people["auditor"], filings["朱家角镇"])
    client.force_login(people["auditor"])
    assert _download(client, assigned)[0].status_code == 200
    assert _download(client, unassigned)[0].status_code == 404


def test_old_revision_stays_downloadable_and_is_marked_superseded(client, filings, people):
    first, _ = document_render(simple_spec(filings["朱家角镇"]))
    document_render(simple_spec(filings["朱家角镇"], note="更正稿"))
    client.force_login(people["director"])
    response, body = _download(client, first)
    assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == first.sha256
    detail = client.get(reverse("reports:document_detail", args=[first.pk])).content.decode()
    assert "已被替代" in detail and "下载第 2 版" in detail


def test_document_list_shows_only_what_the_user_may_see(
    client, filings, people, django_assert_max_num_queries
):
    document_render(simple_spec(filings["朱家角镇"]))
    document_render(simple_spec(filings["金泽镇"]))
    client.force_login(people["director"])
    with django_assert_max_num_queries(12):
        text = client.get(reverse("reports:document_list")).content.decode()
    assert "朱家角镇" in text and "金泽镇社会组织服务中心 2024" not in text


def test_api_lists_only_the_reports_a_user_may_read(client, filings, people):
    mine, _ = document_render(simple_spec(filings["朱家角镇"]))
    other, _ = document_render(simple_spec(filings["金泽镇"]))
    client.force_login(people["director"])
    listing = client.get("/api/v1/reports/").json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["sha256"] == mine.sha256 and rows[0]["download_url"].endswith(f"/{mine.pk}/download/")
    assert client.get(f"/api/v1/reports/{other.pk}/").status_code == 404

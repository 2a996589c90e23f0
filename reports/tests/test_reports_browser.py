"""An auditor downloads the report of a center assigned to them, in a real browser."""

import hashlib

import pytest
from playwright.sync_api import expect

from reports.builders import build_spec, cycle_report_subjects
from reports.models import ReportDocument
from reports.services import document_render

pytestmark = [pytest.mark.browser]


def test_auditor_downloads_an_assigned_report_and_cannot_see_others(
    page, live_server, login, small_published, people, tmp_path
):
    for kind, params, _label in cycle_report_subjects(small_published):
        if kind == "center_report":
            document_render(build_spec(kind, params))
    sampled = set(small_published.assignments.values_list("filing__center_id", flat=True))
    assigned = ReportDocument.objects.get(kind="center_report", center_id__in=sampled)
    others = ReportDocument.objects.filter(kind="center_report").exclude(center_id__in=sampled)

    login(page, people["auditor"].username)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("考评报告")
    row = page.get_by_role("row").filter(has_text=assigned.center.name)
    with page.expect_download() as info:
        row.get_by_role("link", name="下载 PDF").click()
    download = info.value
    path = tmp_path / "report.pdf"
    download.save_as(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == assigned.sha256
    assert download.suggested_filename.endswith(".pdf")
    for other in others:
        expect(page.get_by_text(other.center.name)).to_have_count(0)
    response = page.goto(f"{live_server.url}/reports/{others.first().pk}/download/")
    assert response.status == 404

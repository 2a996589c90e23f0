"""The demo's published 2025 cycle has its reports rendered by seed_demo, ready to download."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from evaluations.models import Cycle, Result
from reports.builders import cycle_report_subjects
from reports.models import ReportDocument

from .pdfcheck import embedded_cjk_fonts, pdf_pages, pdf_text, write

pytestmark = pytest.mark.django_db


def test_demo_cycle_reports_are_rendered_checkable_and_served_only_to_those_entitled(
    demo, client, pdf_tools, tmp_path
):
    cycle = Cycle.objects.get(year=2025)
    documents = ReportDocument.objects.filter(cycle=cycle, superseded_at__isnull=True)
    assert documents.count() == len(cycle_report_subjects(cycle))
    assert {d.kind for d in documents} == {"center_report", "district_summary", "filing_sheet"}

    # Each kind, read back from the PDF itself.
    for document in [
        documents.filter(kind=kind).first() for kind in ("center_report", "district_summary", "filing_sheet")
    ]:
        path = write(document, tmp_path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == document.sha256
        assert pdf_pages(path) == document.page_count
        assert any("CJK-SC" in name for name in embedded_cjk_fonts(path))
        assert document.display_code in pdf_text(path, document.page_count)
    zjj = documents.get(kind="center_report", center__street_town__name="朱家角镇")
    result = Result.objects.get(result_set__cycle=cycle, result_set__is_current=True, center=zjj.center)
    text = pdf_text(write(zjj, tmp_path))
    assert (
        "青浦区朱家角镇社会组织服务中心" in text
        and f"{result.final_score:.2f}" in text
        and result.grade in text
    )

    # Downloads: the demo people.
    auditor = User.objects.get(username="auditor1")
    assigned_ids = set(cycle.assignments.filter(auditor=auditor).values_list("filing__center_id", flat=True))
    assigned = documents.filter(kind="center_report", center_id__in=assigned_ids).first()
    unassigned = documents.filter(kind="center_report").exclude(center_id__in=assigned_ids).first()

    def status(username, document):
        client.force_login(User.objects.get(username=username))
        return client.get(reverse("reports:document_download", args=[document.pk])).status_code

    assert status("auditor1", assigned) == 200
    assert status("auditor1", unassigned) == 404
    assert status("director_zhujiajiao", zjj) == 200
    assert status("director_jinze", zjj) == 404
    assert status("supervisor_zhujiajiao", zjj) == 200
    assert status("bureau", documents.get(kind="district_summary")) == 200

    # Seeding again renders nothing.
    before = ReportDocument.objects.count()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert ReportDocument.objects.count() == before

"""The three reports of a published cycle, checked from the PDF itself."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Job
from evaluations.models import Result
from reports.builders import build_spec, cycle_report_subjects
from reports.models import RenderStatus, ReportDocument, ReportRender
from reports.services import cycle_reports_render_now, document_render

from .pdfcheck import embedded_cjk_fonts, pdf_images, pdf_pages, pdf_text, write
from .test_documents import tamper

pytestmark = pytest.mark.django_db


def _render(cycle, kind, center_name=None):
    for subject_kind, params, label in cycle_report_subjects(cycle):
        if subject_kind == kind and (center_name is None or center_name in label):
            return document_render(build_spec(subject_kind, params))[0]
    raise AssertionError(f"no {kind} subject for {center_name}")


def _checked(document, tmp_path):
    path = write(document, tmp_path)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == document.sha256  # the stored fingerprint
    assert pdf_pages(path) == document.page_count
    names = embedded_cjk_fonts(path)
    assert any("Noto" in name and "CJK-SC" in name for name in names)
    # Only the cut font: a character outside it would embed the full 20 MB font too, and be slow.
    assert names and all(
        name.endswith(("+Noto-Sans-CJK-SC-Subset", "+Noto-Sans-CJK-SC-Subset-Bold")) for name in names
    )
    qr_pages = {image["page"] for image in pdf_images(path) if image["width"] == image["height"]}
    for page in range(1, document.page_count + 1):  # code, QR code and page footer on every page
        text = pdf_text(path, page)
        assert document.display_code in text, f"page {page} lacks the verification code"
        assert document.verification_url in text, f"page {page} lacks the verification URL"
        assert page in qr_pages, f"page {page} lacks the QR code"
        assert f"第{page}页/共{document.page_count}页" in text.replace(" ", "")
    # The QR code is a small pixel image drawn with hard edges (not interpolated), so it scans when printed.
    assert not any(image["interpolate"] for image in pdf_images(path) if image["width"] == image["height"])
    return path


def test_center_report_prints_the_center_its_scores_grade_and_rank(published, pdf_tools, tmp_path):
    document = _render(published, "center_report", "朱家角镇")
    result = Result.objects.get(result_set__cycle=published, center=document.center)
    text = pdf_text(_checked(document, tmp_path))
    assert "青浦区朱家角镇社会组织服务中心" in text and "绩效考评报告" in text
    assert f"{result.final_score:.2f}" in text and f"{result.self_score:.2f}" in text
    assert result.grade in text and f"第 {result.rank} 名 / 共 11 家" in text
    assert f"{result.contribution:.2f}" in text
    assert "A1" in text and "专职人员数量达标" in text  # the indicator table
    # Compliance, rule by rule with its numbers, as frozen in the filing's snapshot (section 五).
    flow = pdf_text(write(document, tmp_path), flow=True)
    assert "五、政策达标情况" in flow
    for verdict in document.filing.snapshot["compliance"]:
        assert verdict["rule"] in flow and "".join(verdict["detail"].split()) in flow
    # A rule-based computed indicator points there instead of printing the numbers twice.
    assert "（数字见第五部分）" in flow
    assert "盖章" in text and "第 1 版" in text


def test_sampled_center_report_shows_spot_check_scores_and_gap(published, pdf_tools, tmp_path):
    sampled = (
        Result.objects.filter(result_set__cycle=published, sampled=True).select_related("center").first()
    )
    document = _render(published, "center_report", sampled.center.name)
    path = _checked(document, tmp_path)
    text = pdf_text(path)
    assert f"{sampled.spot_score:.2f}" in text and f"{sampled.gap:.2f}" in text
    assert "佐证不足，酌情扣分" in pdf_text(path, flow=True)  # the auditor's comment (wrapped in its cell)


def test_district_summary_ranks_every_center_with_charts_sample_and_performance_table(
    published, pdf_tools, tmp_path
):
    document = _render(published, "district_summary")
    path = _checked(document, tmp_path)
    text = pdf_text(path)
    for result in Result.objects.filter(result_set__cycle=published).select_related("center"):
        assert result.center.name in text
    assert "考评汇总报告" in text and "得分分布" in text and "各类别平均得分" in text
    # the bureau's summary of the street/town centers, said in its title (issue 15)
    assert f"青浦区民政局{published.year}年度街镇社会组织服务中心考评汇总报告" in pdf_text(
        path, flow=True
    ).replace(" ", "")
    assert str(published.draw.seed) in text  # the sample with its seed
    assert "计入街镇民政工作绩效考核" in text and "1+11+X" in text
    assert document.page_count >= 2


def test_filing_sheet_prints_the_filing_and_its_snapshot_for_signature(published, pdf_tools, tmp_path):
    document = _render(published, "filing_sheet", "金泽镇")
    text = pdf_text(_checked(document, tmp_path))
    assert "青浦区金泽镇社会组织服务中心" in text and "年度报告书" in text
    assert "台账快照" in text and "举办培训（场次）" in text
    assert "法定代表人（签字）" in text and "填报单位（盖章）" in text


def test_verification_page_answers_for_a_genuine_and_a_tampered_report(client, published, tmp_path):
    document = _render(published, "center_report", "朱家角镇")
    data = write(document, tmp_path).read_bytes()
    genuine = client.post(
        reverse("reports:verify"), {"file": SimpleUploadedFile("a.pdf", data)}
    ).content.decode()
    assert "文件真实" in genuine and document.title in genuine and "第 1 版" in genuine
    fake = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("a.pdf", tamper(data))})
    assert "不是真实报告" in fake.content.decode()


def test_rendering_a_cycle_twice_changes_nothing_and_a_correction_adds_revisions(small_published):
    published = small_published
    job = cycle_reports_render_now(cycle=published, reason="公布")
    assert job.status == "succeeded" and job.progress == 100
    total = len(cycle_report_subjects(published))
    assert ReportDocument.objects.filter(cycle=published).count() == total
    again = cycle_reports_render_now(cycle=published)
    assert again.result["unchanged"] == total and again.result["done"] == 0
    assert ReportDocument.objects.filter(cycle=published).count() == total

    # A published result is corrected: a new result revision changes one center's figures.
    from evaluations.models import ResultSet

    old_set = ResultSet.objects.get(cycle=published)
    new_set = ResultSet.objects.create(
        cycle=published, revision=2, reason="更正抽检分", is_published=True, is_current=True
    )
    old_set.is_current = False
    old_set.save()
    rows = list(Result.objects.filter(result_set=old_set))
    for row in rows:
        row.pk, row.result_set = None, new_set
        if row.center.street_town.name == "朱家角镇":
            row.final_score += 1
    Result.objects.bulk_create(rows)
    corrected = cycle_reports_render_now(cycle=published, reason="更正抽检分")
    assert corrected.status == "succeeded"
    center_reports = ReportDocument.objects.filter(cycle=published, kind="center_report")
    current = center_reports.filter(superseded_at__isnull=True)
    assert current.count() == 3 and all(d.revision == 2 for d in current)  # the result revision is printed
    zjj = current.get(center__street_town__name="朱家角镇")
    old = center_reports.get(center=zjj.center, revision=1)
    assert old.superseded_by == zjj and old.file.storage.exists(old.file.name)
    assert zjj.reason == "更正抽检分"
    # Filing sheets do not depend on results: unchanged.
    assert not ReportDocument.objects.filter(kind="filing_sheet", revision__gt=1).exists()


def test_failed_render_is_retried_then_reported_on_the_job_with_the_reason(small_published):
    published = small_published
    from reports.services import _cycle_job_create
    from reports.tasks import RENDER_RETRIES, render_report

    job, renders = _cycle_job_create(cycle=published, requester=None, reason="")
    broken = renders[1]
    broken.params = {"cycle_id": published.pk, "center_id": 999999}
    broken.save()
    for render in renders:
        render_report.apply(args=[str(job.pk), render.pk])
    job.refresh_from_db()
    broken.refresh_from_db()
    assert broken.status == RenderStatus.FAILED and broken.attempts == RENDER_RETRIES + 1
    assert "999999" in broken.error and "没有填报" in broken.error
    assert job.status == "failed" and job.progress == 100
    assert "生成失败，已放弃重试" in job.log and "稍后重试" in job.log
    assert job.result["failed"] == 1 and job.result["done"] == len(renders) - 1


def _render_kinds(cycle, *, kinds=("district_summary", "center_report")):
    for kind, params, _label in cycle_report_subjects(cycle):
        if kind in kinds:
            document_render(build_spec(kind, params))


def test_permission_matrix_of_cycle_reports(client, published, people, tmp_path):
    _render_kinds(published)
    docs = ReportDocument.objects.filter(cycle=published)
    summary = docs.get(kind="district_summary")
    zjj = docs.get(kind="center_report", center__street_town__name="朱家角镇")
    jinze = docs.get(kind="center_report", center__street_town__name="金泽镇")
    sampled_ids = set(published.assignments.values_list("filing__center_id", flat=True))
    assigned = docs.filter(kind="center_report", center_id__in=sampled_ids).first()
    unassigned = docs.filter(kind="center_report").exclude(center_id__in=sampled_ids).first()

    def status(user, doc):
        client.force_login(user)
        return client.get(reverse("reports:document_download", args=[doc.pk])).status_code

    assert status(people["bureau"], summary) == 200
    assert status(people["director"], zjj) == 200
    assert status(people["director"], jinze) == 404
    assert status(people["director"], summary) == 404
    assert status(people["supervisor"], zjj) == 200
    assert status(people["supervisor"], jinze) == 404
    assert status(people["auditor"], assigned) == 200
    assert status(people["auditor"], unassigned) == 404
    client.logout()
    response = client.get(reverse("reports:document_download", args=[zjj.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bureau_downloads_a_cycle_as_one_zip_others_get_404(client, small_published, people):
    published = small_published
    cycle_reports_render_now(cycle=published)
    client.force_login(people["bureau"])
    response = client.get(reverse("reports:cycle_zip", args=[published.pk]))
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == ReportDocument.objects.filter(cycle=published).count()
    assert any("汇总报告" in n for n in names)
    client.force_login(people["director"])
    assert client.get(reverse("reports:cycle_zip", args=[published.pk])).status_code == 404


def test_bureau_rerender_button_queues_a_job(client, published, people):
    client.force_login(people["bureau"])
    response = client.post(reverse("reports:cycle_render", args=[published.pk]))
    job = Job.objects.get(kind="reports.cycle_reports")
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert ReportRender.objects.filter(job=job).count() == len(cycle_report_subjects(published))
    client.force_login(people["director"])
    assert client.post(reverse("reports:cycle_render", args=[published.pk])).status_code == 404


def test_reports_are_refused_before_the_results_are_published(client, small_published, people):
    from evaluations.choices import CycleState

    small_published.state = CycleState.SCORING
    small_published.save()
    client.force_login(people["bureau"])
    response = client.post(reverse("reports:cycle_render", args=[small_published.pk]), follow=True)
    assert "尚未公布" in response.content.decode()
    assert not Job.objects.filter(kind="reports.cycle_reports").exists()


def test_a_correction_after_publication_queues_new_report_revisions(
    small_published, django_capture_on_commit_callbacks
):
    from evaluations.services import results_work

    job = Job.objects.create(
        kind="evaluations.results",
        label="更正",
        params={"cycle": small_published.pk, "revision": 2, "reason": "更正抽检分"},
    )
    from core.jobs import JobContext

    with django_capture_on_commit_callbacks(execute=True):
        results_work(job, JobContext(job))
    reports_job = Job.objects.get(kind="reports.cycle_reports")
    assert reports_job.params["reason"] == "结果更正（第 2 版）：更正抽检分"
    assert reports_job.params["total"] == len(cycle_report_subjects(small_published))

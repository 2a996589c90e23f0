"""公示 and 复核 (issue 13, item 3), 整改 (item 4) and year over year (item 5), from the user's and the
outsider's side, on the demo data: its 2025 cycle has just been published, so it is in publicity."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from core.errors import ApplicationError
from core.jobs import run_job
from core.models import Job
from evaluations import services
from evaluations.choices import CycleState
from evaluations.models import AuditScore, Cycle, Filing, Rectification, Result, ResultSet, ReviewRequest
from reports.models import ReportDocument, ReportRender
from reports.services import report_render_run

from .conftest import PDF

pytestmark = pytest.mark.django_db


def _user(username):
    return User.objects.get(username=username)


def _api(username):
    client = APIClient()
    client.force_authenticate(_user(username))
    return client


def _page(username):
    client = Client()
    client.force_login(_user(username))
    return client


def _pdf(name="佐证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def cycle(demo):
    return Cycle.objects.get(year=2025)


def _supervisor_of(center):
    return User.objects.filter(supervising_unit=center.supervising_unit).order_by("pk").first()


def _file_review(cycle, username="director_zhujiajiao"):
    return services.review_request_file(
        cycle=cycle, actor=_user(username), reasons="B2 抽检分偏低，台账齐全", evidence=_pdf()
    )


# ---- the publicity period --------------------------------------------------------------------------
def test_the_publicity_period_counts_working_days_skipping_weekends_and_holidays(settings):
    friday = date(2026, 12, 4)
    assert services.working_days_after(friday, 5) == date(2026, 12, 11)  # Mon 7 … Fri 11
    assert services.working_days_after(date(2026, 12, 7), 1) == date(2026, 12, 8)
    settings.PUBLIC_HOLIDAYS = ["2026-12-08"]
    assert services.working_days_after(date(2026, 12, 7), 1) == date(2026, 12, 9)


def test_published_results_are_in_publicity_on_the_public_pages_and_the_reports(cycle, pdf_tools, tmp_path):
    assert cycle.state == CycleState.PUBLICITY and cycle.publicity_days == 5
    # counted from the day of publishing in Shanghai (between 16:00 and 24:00 UTC that is the next day)
    published_on = timezone.localtime(cycle.published_at).date()
    assert cycle.publicity_ends_on == services.working_days_after(published_on, 5)
    body = Client().get("/public/").content.decode()
    assert "公示中" in body
    from reports.builders import build_spec

    spec = build_spec(
        "center_report", {"cycle_id": cycle.pk, "center_id": _user("director_zhujiajiao").center_id}
    )
    assert spec.context["cycle"]["draft_mark"] == "公示稿"


# ---- review requests: who may --------------------------------------------------------------------
def test_a_review_request_is_the_own_centers_and_others_get_404(cycle):
    review = _file_review(cycle)
    url = f"/api/v1/review-requests/{review.pk}/"
    assert _api("director_zhujiajiao").get(url).status_code == 200
    assert _api("director_jinze").get(url).status_code == 404  # another center's director
    assert _api(_supervisor_of(review.center).username).get(url).status_code == 404
    assert _api("auditor1").get(url).status_code == 404
    assert _page("director_jinze").get(f"/evaluations/review-requests/{review.pk}/").status_code == 404
    assert [r["id"] for r in _api("director_jinze").get("/api/v1/review-requests/").json()["results"]] == []
    assert _api("bureau").get(url).json()["state_label"] == "待区民政局决定"
    # a director cannot decide, and cannot decide another center's request through the API either
    decide = {"version": review.version, "decision": "maintain", "reason": "x"}
    assert _api("director_zhujiajiao").post(f"{url}decide/", decide, format="json").status_code == 404
    # the director of another center files for their own center, never for this one
    other = _file_review(cycle, "director_jinze")
    assert other.center_id == _user("director_jinze").center_id != review.center_id


def test_a_review_request_needs_reasons_and_only_one_is_pending(cycle):
    with pytest.raises(ApplicationError) as exc:
        services.review_request_file(cycle=cycle, actor=_user("director_zhujiajiao"), reasons=" ")
    assert "reasons" in exc.value.fields
    _file_review(cycle)
    response = _api("director_zhujiajiao").post(
        "/api/v1/review-requests/", {"cycle": cycle.pk, "reasons": "再次申请"}, format="multipart"
    )
    assert response.status_code == 400 and "待决定的复核申请" in response.json()["error"]["message"]


# ---- decisions -----------------------------------------------------------------------------------
def test_an_upheld_review_is_a_new_revision_with_new_reports_the_old_ones_superseded(
    cycle, django_capture_on_commit_callbacks
):
    director = _user("director_zhujiajiao")
    response = _api("director_zhujiajiao").post(
        "/api/v1/review-requests/",
        {"cycle": cycle.pk, "reasons": "B2 抽检分偏低，台账齐全", "evidence": _pdf()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    review = ReviewRequest.objects.get(pk=response.json()["id"])
    assert review.evidence_name == "佐证.pdf"
    filing = Filing.objects.get(cycle=cycle, center_id=director.center_id)
    score = (
        AuditScore.objects.filter(filing=filing, indicator__method="scored")
        .order_by("indicator__sort_order")
        .first()
    )
    raised = min(score.indicator.max_score, score.score + 2)
    old_result = Result.objects.get(
        result_set__cycle=cycle, result_set__is_current=True, center_id=director.center_id
    )
    old_report = ReportDocument.objects.get(
        kind="center_report", cycle=cycle, center_id=director.center_id, superseded_at=None
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = _api("bureau").post(
            f"/api/v1/review-requests/{review.pk}/decide/",
            {
                "version": review.version,
                "decision": "adjust",
                "reason": "台账核实，B 类指标抽检分改正",
                "scores": {str(score.indicator_id): str(raised)},
                "versions": {str(score.indicator_id): score.version},
            },
            format="json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["state_label"] == "已调整结果" and response.json()["revision"] == 2
    run_job(response.json()["job"], services.results_work)
    sets = list(ResultSet.objects.filter(cycle=cycle).order_by("revision"))
    assert [(s.revision, s.is_published, s.is_current) for s in sets] == [(1, True, False), (2, True, True)]
    assert "复核调整" in sets[1].reason
    new_result = Result.objects.get(result_set=sets[1], center_id=director.center_id)
    assert new_result.final_score == old_result.final_score + (raised - score.score)
    # the new revision's reports are queued; the center's report is rendered anew, the old one superseded
    reports_job = Job.objects.filter(kind="reports.cycle_reports").latest("created_at")
    assert "复核调整" in reports_job.params["reason"]
    render = next(
        r
        for r in ReportRender.objects.filter(job=reports_job, kind="center_report")
        if r.params["center_id"] == director.center_id
    )
    report_render_run(str(reports_job.pk), render.pk)
    old_report.refresh_from_db()
    new_report = ReportDocument.objects.get(
        kind="center_report", cycle=cycle, center_id=director.center_id, superseded_at=None
    )
    assert old_report.superseded_at is not None and new_report.revision == old_report.revision + 1


def test_a_maintained_review_changes_nothing(cycle):
    review = _file_review(cycle)
    before = list(Result.objects.filter(result_set__cycle=cycle).values_list("pk", "final_score"))
    client = _page("bureau")
    response = client.post(
        f"/evaluations/review-requests/{review.pk}/decide/",
        {"version": review.version, "decision": "maintain", "decision_reason": ""},
    )
    assert response.status_code == 400 and "决定理由" in response.content.decode()  # the field named
    response = client.post(
        f"/evaluations/review-requests/{review.pk}/decide/",
        {"version": review.version, "decision": "maintain", "decision_reason": "抽检评分有据，维持"},
        follow=True,
    )
    assert "维持原结果" in response.content.decode()
    review.refresh_from_db()
    assert review.state == "maintained" and review.job is None
    assert ResultSet.objects.filter(cycle=cycle).count() == 1
    assert list(Result.objects.filter(result_set__cycle=cycle).values_list("pk", "final_score")) == before


def test_at_the_end_of_the_period_the_results_are_final_and_frozen(cycle):
    bureau = _user("bureau")
    review = _file_review(cycle)
    with pytest.raises(ApplicationError, match="公示期满后才能定稿"):
        services.cycle_finalize(cycle=cycle, actor=bureau)
    after = cycle.publicity_ends_on + timedelta(days=1)
    assert services.publicity_close_due(today=after) == {
        "finalized": [],
        "waiting": [2025],
    }  # a review pending
    services.review_request_decide(
        review=review, actor=bureau, decision="maintain", reason="维持", version=review.version
    )
    assert services.publicity_close_due(today=after) == {"finalized": [2025], "waiting": []}
    cycle.refresh_from_db()
    assert cycle.state == CycleState.FINAL and cycle.finalized_at is not None
    assert Job.objects.filter(kind="reports.cycle_reports", params__reason="考评结果定稿").exists()
    with pytest.raises(ApplicationError, match="定稿"):
        services.result_correction_request(cycle=cycle, actor=bureau, reason="再更正")
    with pytest.raises(ApplicationError, match="公示期内"):
        _file_review(cycle, "director_jinze")
    page = _page("bureau").get(f"/evaluations/cycles/{cycle.pk}/results/").content.decode()
    assert "已定稿" in page or "定稿，已冻结" in page


# ---- rectification -------------------------------------------------------------------------------
def test_findings_open_rectification_items_once_and_the_lifecycle_runs_with_outsiders_404(cycle):
    zjj = _user("director_zhujiajiao").center
    items = Rectification.objects.filter(cycle=cycle, center=zjj)
    gap = items.get(kind="gap")
    assert "超过容差" in gap.finding and gap.state == "open"
    count = Rectification.objects.count()
    assert services.rectifications_sync(cycle=cycle) == {"opened": 0, "withdrawn": 0}  # idempotent
    assert Rectification.objects.count() == count
    supervisor = _supervisor_of(zjj)
    url = f"/api/v1/rectifications/{gap.pk}/"
    # outsiders: another center's director, another unit's supervisor, the auditor
    other_supervisor = (
        User.objects.filter(supervising_unit__isnull=False)
        .exclude(supervising_unit=zjj.supervising_unit)
        .first()
    )
    for outsider in ("director_jinze", other_supervisor.username, "auditor1"):
        assert _api(outsider).get(url).status_code == 404, outsider
        assert _api(outsider).post(f"{url}report/", {"version": 1, "report": "x"}).status_code == 404, (
            outsider
        )
    assert _page("director_jinze").get(f"/evaluations/rectifications/{gap.pk}/").status_code == 404
    # the center's page lists it
    assert gap.finding in _page("director_zhujiajiao").get(f"/centers/{zjj.pk}/").content.decode()
    # report without evidence: refused naming the field
    response = _api("director_zhujiajiao").post(
        f"{url}report/", {"version": gap.version, "report": "已补齐签到记录"}
    )
    assert response.status_code == 400 and "evidence" in response.json()["error"]["fields"]
    response = _api("director_zhujiajiao").post(
        f"{url}report/",
        {"version": gap.version, "report": "已补齐签到记录", "evidence": _pdf("整改.pdf")},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    # the bureau cannot review (the supervising unit does), the director cannot close
    assert (
        _api("bureau").post(f"{url}review/", {"version": 2, "approve": True}, format="json").status_code
        == 404
    )
    response = _api(supervisor.username).post(
        f"{url}review/", {"version": 2, "approve": False}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()["error"]["fields"]
    response = _api(supervisor.username).post(
        f"{url}review/", {"version": 2, "approve": False, "comment": "签到表缺少日期"}, format="json"
    )
    assert response.json()["state"] == "returned"
    _api("director_zhujiajiao").post(
        f"{url}report/", {"version": 3, "report": "补充了日期"}, format="multipart"
    )
    assert (
        _api(supervisor.username)
        .post(f"{url}review/", {"version": 4, "approve": True}, format="json")
        .json()["state"]
        == "approved"
    )
    assert _api("director_zhujiajiao").post(f"{url}close/", {"version": 5}, format="json").status_code == 404
    response = _api("bureau").post(f"{url}close/", {"version": 5, "comment": "整改到位"}, format="json")
    assert response.json()["state"] == "closed" and response.json()["state_label"] == "已销号"
    stale = _api("bureau").post(f"{url}close/", {"version": 5}, format="json")
    assert stale.status_code == 409


# ---- year over year ------------------------------------------------------------------------------
def _last_year(cycle):
    """A 2024 cycle, final, with every 2025 center's result 3 points lower and ranks reversed."""
    bureau = _user("bureau")
    old = services.cycle_create(year=2024, actor=bureau, with_default_rubric=False)
    Cycle.objects.filter(pk=old.pk).update(state=CycleState.FINAL)
    current = list(
        Result.objects.filter(result_set__cycle=cycle, result_set__is_current=True).order_by("rank")
    )
    filings = Filing.objects.bulk_create([Filing(cycle=old, center_id=r.center_id) for r in current])
    result_set = ResultSet.objects.create(cycle=old, revision=1, is_published=True, is_current=True)
    Result.objects.bulk_create(
        Result(
            result_set=result_set,
            filing=f,
            center_id=r.center_id,
            self_score=r.self_score,
            final_score=r.final_score - 3,
            grade="合格",
            rank=len(current) - i,
            contribution=Decimal(0),
        )
        for i, (r, f) in enumerate(zip(current, filings, strict=True))
    )
    return current


def test_results_and_reports_show_last_years_score_grade_rank_and_the_change(cycle, pdf_tools, tmp_path):
    from reports.builders import build_spec
    from reports.services import document_render
    from reports.tests.pdfcheck import pdf_text, write

    current = _last_year(cycle)
    first = current[0]
    page = _page("bureau").get(f"/evaluations/cycles/{cycle.pk}/results/").content.decode()
    assert "上年得分" in page and "得分变化" in page
    assert f"{first.final_score - 3}" in page and "+3.00" in page
    spec = build_spec("center_report", {"cycle_id": cycle.pk, "center_id": first.center_id})
    assert spec.context["last_year"] == {
        "final_score": first.final_score - 3,
        "grade": "合格",
        "rank": len(current),
        "change": Decimal("3.00"),
    }
    summary = build_spec("district_summary", {"cycle_id": cycle.pk})
    assert [h["year"] for h in summary.context["history"]] == [2024, 2025] and "history" in summary.extra[
        "charts"
    ]
    text = pdf_text(write(document_render(summary)[0], tmp_path), flow=True)
    assert "上年得分" in text and "图3历年全区平均最终得分" in text and "公示稿" in text

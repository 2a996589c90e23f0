"""The evaluation as an official procedure (issue 13, items 1 and 9): each test fails on the code
before it and names the defect it pins."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.audit import entries_for
from core.errors import ApplicationError
from core.jobs import run_job
from evaluations import services, workflow
from evaluations.choices import CycleState, FilingState, IndicatorKind, UnsubmittedRule
from evaluations.models import Cycle, Filing, Indicator, Result, ResultSet, SelfScore

from .conftest import TODAY, complete_filing, director_of, open_cycle, upload

pytestmark = pytest.mark.django_db

FUTURE = 2030  # a cycle whose filing deadline (2030-12-31) has not come, whenever the suite runs


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _submit(filing, today=TODAY):
    complete_filing(filing, director_of(filing.center), today=today)
    return services.filing_submit(filing=filing, actor=director_of(filing.center), today=today)


@pytest.fixture
def one_filed(people, centers):
    """A 2030 cycle, open: only ZJJ has submitted, the ten others have not."""
    cycle = open_cycle(FUTURE, people["bureau"])
    _submit(Filing.objects.get(cycle=cycle, center=people["zjj"]))
    return cycle


def _scored(cycle, people):
    """Close the filing (reason given), skip to scoring, compute revision 1 (in-process)."""
    services.cycle_close_filing(cycle=cycle, actor=people["bureau"], reason="年底集中抽检，提前结束")
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.SCORING)
    cycle.refresh_from_db()
    job = services.results_request(cycle=cycle, actor=people["bureau"], enqueue=False)
    run_job(str(job.pk), services.results_work)
    return cycle


# ---- closing the filing ----------------------------------------------------------------------------
def test_closing_the_filing_early_names_the_centers_not_submitted_and_needs_a_typed_reason(one_filed, people):
    cycle = one_filed
    client = client_for(people["bureau"])
    url = reverse("evaluations:cycle_close_filing", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert "以下 10 个中心尚未提交年度填报" in page
    assert "青浦区金泽镇社会组织服务中心" in page and "提前结束的原因（必填）" in page
    refused = client.post(url, {"reason": "  "}, follow=True).content.decode()
    assert "请写明原因" in refused
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OPEN
    # the old one-click button (advance to spot check) is refused too without the reason
    with pytest.raises(ApplicationError, match="原因"):
        services.cycle_advance(cycle=cycle, actor=people["bureau"], to_state=CycleState.SPOT_CHECK)
    assert client.post(url, {"reason": "区局统一安排，提前结束填报"}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SPOT_CHECK and cycle.filing_closed_at is not None
    assert cycle.filing_close_reason == "区局统一安排，提前结束填报"
    entry = entries_for(cycle).get(action="evaluations.cycle.filing_closed")
    assert entry.data["reason"] == "区局统一安排，提前结束填报"
    assert (
        len(entry.data["unsubmitted"]) == 10 and "青浦区金泽镇社会组织服务中心" in entry.data["unsubmitted"]
    )


def test_after_the_deadline_closing_needs_no_reason(people, centers):
    cycle = open_cycle(2024, people["bureau"])  # deadline 2024-12-31, long past
    services.cycle_close_filing(cycle=cycle, actor=people["bureau"])
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SPOT_CHECK and cycle.filing_close_reason == ""


# ---- unsubmitted filings ---------------------------------------------------------------------------
def test_an_unsubmitted_center_is_not_scored_and_is_shown_as_unsubmitted_never_as_zero(one_filed, people):
    cycle = _scored(one_filed, people)
    jz = Result.objects.get(result_set__cycle=cycle, center=people["jz"])
    assert (jz.submitted, jz.self_score, jz.final_score, jz.rank, jz.contribution) == (
        False,
        None,
        None,
        None,
        None,
    )
    assert jz.grade == "未提交"
    zjj = Result.objects.get(result_set__cycle=cycle, center=people["zjj"])
    assert zjj.submitted and zjj.rank == 1
    bureau = client_for(people["bureau"])
    page = bureau.get(reverse("evaluations:cycle_results", args=[cycle.pk])).content.decode()
    row = page[page.index("青浦区金泽镇社会组织服务中心") :].split("</tr>")[0]
    assert "未提交" in row and "0.00" not in row and "不予评分" in row
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(
        io.BytesIO(bureau.get(reverse("evaluations:results_export", args=[cycle.pk])).content)
    ).active
    jz_row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "青浦区金泽镇社会组织服务中心")
    assert jz_row[3] == "未提交" and jz_row[6] == "未提交" and jz_row[9] == "未提交"


def test_under_the_zero_rule_an_unsubmitted_center_counts_zero_fails_and_still_reads_unsubmitted(
    people, centers
):
    cycle = open_cycle(FUTURE, people["bureau"], unsubmitted_rule=UnsubmittedRule.ZERO)
    _submit(Filing.objects.get(cycle=cycle, center=people["zjj"]))
    cycle = _scored(cycle, people)
    jz = Result.objects.get(result_set__cycle=cycle, center=people["jz"])
    assert (jz.submitted, jz.self_score, jz.final_score, jz.grade) == (False, None, Decimal("0.00"), "不合格")
    assert jz.rank == 2 and jz.contribution == Decimal("0.00")
    page = (
        client_for(people["bureau"])
        .get(reverse("evaluations:cycle_results", args=[cycle.pk]))
        .content.decode()
    )
    row = page[page.index("青浦区金泽镇社会组织服务中心") :].split("</tr>")[0]
    assert "未提交" in row and "（按零分计）" in row and ">0.00<" not in row


# ---- revisions -------------------------------------------------------------------------------------
def test_two_corrections_queued_before_either_runs_get_revisions_2_and_3_and_publication_is_final(
    one_filed, people
):
    cycle = _scored(one_filed, people)
    services.cycle_publish(cycle=cycle, actor=people["bureau"], queue_reports=False)
    first = services.result_correction_request(
        cycle=cycle, actor=people["bureau"], reason="更正一", enqueue=False
    )
    second = services.result_correction_request(
        cycle=cycle, actor=people["bureau"], reason="更正二", enqueue=False
    )
    assert (first.params["revision"], second.params["revision"]) == (2, 3)
    run_job(str(first.pk), services.results_work)
    published = ResultSet.objects.get(cycle=cycle, revision=2)
    assert published.is_published and published.reason == "更正一"
    stamp = published.computed_at
    # the first job delivered again (a retry) must not rewrite its published revision
    services.results_work(first, type("Ctx", (), {"progress": lambda *a: None, "log": lambda *a: None})())
    published.refresh_from_db()
    assert published.computed_at == stamp
    run_job(str(second.pk), services.results_work)
    assert ResultSet.objects.get(cycle=cycle, revision=3).reason == "更正二"
    assert list(
        ResultSet.objects.filter(cycle=cycle).values_list("revision", flat=True).order_by("revision")
    ) == [1, 2, 3]
    assert ResultSet.objects.get(cycle=cycle, revision=2).computed_at == stamp


# ---- the self-assessment is the center's own -------------------------------------------------------
def test_the_bureau_can_neither_enter_nor_submit_a_centers_self_assessment(people, centers):
    cycle = open_cycle(FUTURE, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    a2 = cycle.indicators.get(code="A2")
    with pytest.raises(ApplicationError) as refused:
        services.self_scores_save(
            filing=filing, actor=people["bureau"], entries={a2.pk: ("2", "")}, versions={}, today=TODAY
        )
    assert refused.value.code == "forbidden" and "本服务中心" in refused.value.message
    complete_filing(filing, people["director"])
    with pytest.raises(ApplicationError, match="本服务中心"):
        services.filing_submit(filing=filing, actor=people["bureau"], today=TODAY)
    bureau = client_for(people["bureau"])
    assert (
        bureau.post(
            reverse("evaluations:self_assessment", args=[filing.pk]), {f"score_{a2.pk}": "1"}
        ).status_code
        == 404
    )
    assert bureau.post(reverse("evaluations:filing_submit", args=[filing.pk])).status_code == 404
    page = bureau.get(reverse("evaluations:self_assessment", args=[filing.pk])).content.decode()
    assert "此处仅供查看" in page and "保存自评分" not in page
    api = bureau.post(
        "/api/v1/self-scores/", {"filing": filing.pk, "indicator": a2.pk, "score": "1", "version": 1}
    )
    assert api.status_code in (403, 404)
    assert bureau.post(f"/api/v1/filings/{filing.pk}/submit/").status_code in (403, 404)
    filing.refresh_from_db()
    assert filing.state == FilingState.DRAFT
    assert SelfScore.objects.get(filing=filing, indicator=a2).score == a2.max_score  # the director's
    moves = bureau.get(f"/api/v1/filings/{filing.pk}/").json()["moves"]
    assert moves == []
    own = client_for(people["director"]).get(f"/api/v1/filings/{filing.pk}/").json()["moves"]
    assert own == [{"to": "submitted", "label": "提交年度填报", "reason_required": False}]


def test_self_scores_are_refused_on_a_filing_no_longer_editable_even_before_the_deadline(people, centers):
    cycle = open_cycle(FUTURE, people["bureau"])
    filing = _submit(Filing.objects.get(cycle=cycle, center=people["zjj"]))
    a2 = cycle.indicators.get(code="A2")
    row = SelfScore.objects.get(filing=filing, indicator=a2)
    with pytest.raises(ApplicationError, match="已提交"):
        services.self_scores_save(
            filing=filing,
            actor=people["director"],
            entries={a2.pk: ("0.5", "")},
            versions={a2.pk: row.version},
            today=TODAY,  # years before the 2030 deadline
        )
    row.refresh_from_db()
    assert row.score == a2.max_score


# ---- forms keep what was typed ---------------------------------------------------------------------
def test_the_self_assessment_keeps_every_typed_score_on_an_error_and_on_an_evidence_upload(people, centers):
    cycle = open_cycle(FUTURE, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    a2, a3 = cycle.indicators.filter(method="scored").order_by("code")[:2]
    client = client_for(people["director"])
    typed = {f"score_{a2.pk}": "2.5", f"comment_{a2.pk}": "有签到表", f"score_{a3.pk}": "99"}
    page = client.post(reverse("evaluations:self_assessment", args=[filing.pk]), typed).content.decode()
    assert "分数应在 0 到" in page
    assert f'name="score_{a2.pk}" value="2.5"' in page and "有签到表" in page
    assert f'name="score_{a3.pk}" value="99"' in page
    evidence = cycle.indicators.filter(evidence_required=True).first()
    page = client.post(
        reverse("evaluations:evidence_upload", args=[filing.pk]),
        {
            **typed,
            f"score_{a3.pk}": "1",
            "indicator": evidence.pk,
            f"file_{evidence.pk}": upload("签到表.pdf"),
            "idempotency_key": "0d8f3c1e-2d7a-4a55-9a34-0c8d1f2e3a4b",
        },
    ).content.decode()
    assert "已上传" in page and "签到表.pdf" in page
    assert f'name="score_{a2.pk}" value="2.5"' in page and "有签到表" in page
    assert f'name="score_{a3.pk}" value="1"' in page
    assert not SelfScore.objects.filter(filing=filing).exists()  # typed, kept, not yet saved


def test_the_auditors_form_keeps_every_typed_score_on_an_error(people, centers):
    from evaluations.models import AuditScore

    cycle = open_cycle(FUTURE, people["bureau"])
    filing = _submit(Filing.objects.get(cycle=cycle, center=people["zjj"]))
    services.filing_review(filing=filing, actor=people["supervisor"])
    services.filing_accept(filing=filing, actor=people["bureau"])
    services.cycle_close_filing(cycle=cycle, actor=people["bureau"], reason="年底集中抽检，提前结束")
    services.draw_create(cycle=cycle, actor=people["bureau"], must_include=[people["zjj"].pk])
    services.assignment_set(
        cycle=cycle, center_id=people["zjj"].pk, auditor=people["auditor"], actor=people["bureau"]
    )
    a2, a3 = cycle.indicators.filter(method="scored").order_by("code")[:2]
    typed = {f"score_{a2.pk}": "1.5", f"comment_{a2.pk}": "签到表不全", f"score_{a3.pk}": "99"}
    answer = client_for(people["auditor"]).post(reverse("evaluations:audit_score", args=[filing.pk]), typed)
    page = answer.content.decode()
    assert "分数应在 0 到" in page
    assert f'name="score_{a2.pk}" value="1.5"' in page and "签到表不全" in page
    assert f'name="score_{a3.pk}" value="99"' in page
    assert not AuditScore.objects.filter(filing=filing, indicator__in=[a2, a3]).exists()  # all or nothing


# ---- one reference day -----------------------------------------------------------------------------
def test_one_reference_day_for_every_rule_recorded_in_the_snapshot(people, centers):
    """A center whose two-year mark falls on 20 December is judged on R-EFF-2 like every other
    rule, on 31 December of the year, even when the filing is submitted on 1 December."""
    from centers.models import ServiceCenter

    zjj = people["zjj"]
    ServiceCenter.objects.filter(pk=zjj.pk).update(established_on=date(FUTURE - 2, 12, 20))
    cycle = open_cycle(FUTURE, people["bureau"])
    filing = _submit(Filing.objects.get(cycle=cycle, center=zjj), today=date(FUTURE, 12, 1))
    assert filing.snapshot["reference_day"] == f"{FUTURE}-12-31" == filing.snapshot["roster_on"]
    rules = services.snapshot_rules(filing.snapshot)
    assert rules["R-EFF-2"]["status"] != "not_applicable"
    page = (
        client_for(people["director"])
        .get(reverse("evaluations:filing_detail", args=[filing.pk]))
        .content.decode()
    )
    assert f"评判基准日 {FUTURE}-12-31" in page


def test_the_snapshot_is_not_retaken_at_the_first_review(people, centers):
    cycle = open_cycle(FUTURE, people["bureau"])
    filing = _submit(Filing.objects.get(cycle=cycle, center=people["zjj"]))
    frozen, taken_at = filing.snapshot, filing.snapshot_taken_at
    from centers.models import ServiceCenter

    ServiceCenter.objects.filter(pk=people["zjj"].pk).update(name="改名后的中心")
    services.filing_review(filing=filing, actor=people["supervisor"])
    services.filing_accept(filing=filing, actor=people["bureau"])
    filing.refresh_from_db()
    assert filing.snapshot == frozen and filing.snapshot_taken_at == taken_at
    assert filing.snapshot["center"]["name"] == "青浦区朱家角镇社会组织服务中心"


# ---- the transition tables -------------------------------------------------------------------------
def test_the_tables_offer_each_person_only_their_moves(one_filed, people):
    cycle = one_filed
    zjj = Filing.objects.get(cycle=cycle, center=people["zjj"])
    assert [m.label for m in workflow.allowed_moves(cycle, people["bureau"])] == ["结束填报，进入抽检"]
    assert workflow.allowed_moves(cycle, people["director"]) == []
    assert [m.label for m in workflow.allowed_moves(zjj, people["supervisor"])] == [
        "初审通过",
        "初审退回修改",
    ]
    assert workflow.allowed_moves(zjj, people["other_supervisor"]) == []
    assert workflow.allowed_moves(zjj, people["director"]) == []
    with pytest.raises(ApplicationError, match="业务主管单位"):
        services.filing_review(filing=zjj, actor=people["other_supervisor"])
    api = client_for(people["bureau"]).get(f"/api/v1/evaluation-cycles/{cycle.pk}/").json()["moves"]
    assert api == [{"to": "spot_check", "label": "结束填报，进入抽检", "reason_required": True}]


def test_a_draw_population_is_in_street_town_order(people, centers):
    from django.db.models import F

    from centers.models import StreetTown

    # The street/town order reversed: neither the centers' ids nor their names are in that order, so
    # a population left in query order (or sorted by id or name) is caught.
    StreetTown.objects.update(sort_order=1000 - F("sort_order"))
    cycle = open_cycle(FUTURE, people["bureau"])
    population = services.draw_population(cycle)
    orders = dict(StreetTown.objects.values_list("pk", "sort_order"))
    by_id = {c.pk: c for c in centers}
    keys = [(orders[by_id[c["id"]].street_town_id], c["name"]) for c in population]
    assert keys == sorted(keys) and len(population) == 11
    assert [c["id"] for c in population] != sorted(c["id"] for c in population)


# ---- veto items ------------------------------------------------------------------------------------
def _vetoed(people):
    """A 2030 cycle with a veto item V1, ZJJ filed with one occurrence of it, scored (revision 1)."""
    # 50 points would be 优秀 under these bands: only the veto can fail it
    bands = [{"grade": "优秀", "min": 50}, {"grade": "不合格", "min": 0}]
    cycle = services.cycle_create(year=FUTURE, actor=people["bureau"], grade_bands=bands)
    category = cycle.categories.first()
    veto = services.indicator_save(
        cycle=cycle,
        actor=people["bureau"],
        category=category,
        code="V1",
        name="发生重大安全责任事故",
        max_score=Decimal("0"),
        method="scored",
        kind=IndicatorKind.VETO,
    )
    from core.jobs import run_job as run

    job = services.cycle_open(cycle=cycle, actor=people["bureau"])
    run(str(job.pk), services.cycle_open_work)
    cycle.refresh_from_db()
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    complete_filing(filing, people["director"])
    services.self_scores_save(
        filing=filing,
        actor=people["director"],
        entries={veto.pk: ("1", "")},
        versions={veto.pk: 1},
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    filing.refresh_from_db()
    return _scored(cycle, people), filing, veto


def test_a_veto_finding_fails_the_grade_whatever_the_score_and_says_why(people, centers):
    cycle, filing, veto = _vetoed(people)
    assert filing.self_total >= 50  # the veto takes no points off
    result = Result.objects.get(result_set__cycle=cycle, center=people["zjj"])
    assert result.final_score == filing.self_total and result.grade == "不合格"
    assert result.veto == "一票否决：V1 发生重大安全责任事故，等次为不合格"
    assert Indicator.objects.get(pk=veto.pk).kind_explanation == "一票否决项：发生即评为不合格，不论得分多少"


def test_a_vetoed_center_gets_a_rectification_item_naming_the_veto(people, centers):
    # findings_for read a ``vetoes`` attribute no Result has: a veto opened no item
    from evaluations.models import Rectification

    cycle, _filing, _veto = _vetoed(people)
    services.cycle_publish(cycle=cycle, actor=people["bureau"], queue_reports=False)
    items = Rectification.objects.filter(cycle=cycle, center=people["zjj"])
    veto = items.get(kind="veto")
    assert veto.key == "veto:V1"
    assert veto.finding == "一票否决：V1 发生重大安全责任事故，等次为不合格"
    assert veto.state == "open" and veto.deadline is not None
    # the failed grade is its own finding, as before; the centers without a veto have no veto item
    assert items.filter(kind="failed").exists()
    assert not Rectification.objects.filter(cycle=cycle, kind="veto").exclude(center=people["zjj"]).exists()
    # the director sees it on the center's list of items, in Chinese
    page = client_for(people["director"]).get(reverse("evaluations:rectification_list")).content.decode()
    assert "一票否决：V1 发生重大安全责任事故" in page


def test_an_unsubmitted_center_reads_unsubmitted_in_the_pdfs_and_the_public_list(
    one_filed, people, pdf_tools
):
    import re
    import subprocess

    from reports import builders
    from reports.services import document_render

    cycle = _scored(one_filed, people)
    services.cycle_publish(cycle=cycle, actor=people["bureau"], queue_reports=False)

    def text(spec):
        document, _created = document_render(spec)
        with document.file.open("rb") as f:
            out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=f.read(), capture_output=True)
        return out.stdout.decode()

    report = text(builders.center_report_spec(cycle_id=cycle.pk, center_id=people["jz"].pk))
    assert re.search(r"自评总分\s+未提交", report) and re.search(r"最终得分\s+未提交", report)
    assert "不计入绩效考核" in report
    assert not re.search(r"(?<![\d.])0\.00(?!\d)", report)  # no 0.00 anywhere
    summary = text(builders.district_summary_spec(cycle_id=cycle.pk))
    jz_line = next(line for line in summary.splitlines() if "金泽镇社会组织服务中心" in line)
    assert "未提交" in jz_line and "0.00" not in jz_line
    public = Client().get(reverse("disclosure:center_list")).content.decode()
    row = public[public.index("青浦区金泽镇社会组织服务中心") :].split("</tr>")[0]
    assert f"{FUTURE} 年度：未提交" in row and "0.00" not in row

"""The evaluation's services: cycle states, rubric, filing workflow, snapshot, draw, scoring, reminders."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from core.audit import entries_for
from core.errors import ApplicationError
from core.jobs import job_create, run_job
from evaluations import services
from evaluations.choices import CombinationRule, CycleState, FilingState, ReturnStage
from evaluations.models import AuditScore, Draw, Evidence, Filing, Indicator, Notification, Result, SelfScore

from .conftest import (
    PDF,
    PNG,
    TODAY,
    complete_filing,
    docx_bytes,
    open_cycle,
    through_scoring,
    to_spot_check,
    upload,
)

pytestmark = pytest.mark.django_db


def test_opening_creates_one_filing_per_street_town_center_and_running_again_adds_none(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    assert cycle.state == CycleState.OPEN
    assert Filing.objects.filter(cycle=cycle).count() == 11
    job = job_create(kind=services.OPEN_KIND, label="again", params={"cycle": cycle.pk})
    run_job(str(job.pk), services.cycle_open_work)
    assert Filing.objects.filter(cycle=cycle).count() == 11
    assert entries_for(cycle).filter(action="evaluations.cycle.opened").exists()


def test_an_opened_cycles_rubric_is_frozen(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    indicator = cycle.indicators.first()
    with pytest.raises(ApplicationError, match="不能修改评分表"):
        services.indicator_save(
            cycle=cycle, actor=people["bureau"], indicator=indicator, version=1, max_score=Decimal("9")
        )
    with pytest.raises(ApplicationError):
        services.cycle_open(cycle=cycle, actor=people["bureau"])
    indicator.refresh_from_db()
    assert indicator.max_score != Decimal("9")


def test_default_rubric_totals_100_and_opening_refuses_another_total(people, centers):
    cycle = services.cycle_create(year=2027, actor=people["bureau"])
    assert sum(i.max_score for i in cycle.indicators.all()) == 100
    indicator = cycle.indicators.get(code="A1")
    services.indicator_save(
        cycle=cycle, actor=people["bureau"], indicator=indicator, version=1, max_score=Decimal("12")
    )
    with pytest.raises(ApplicationError, match="总分应为 100 分，现为 102"):
        services.cycle_open(cycle=cycle, actor=people["bureau"])
    cycle.refresh_from_db()
    assert cycle.state == CycleState.DRAFT and not cycle.filings.exists()


def test_rubric_can_be_copied_into_a_draft_cycle(people, centers):
    source = services.cycle_create(year=2025, actor=people["bureau"])
    services.indicator_save(
        cycle=source,
        actor=people["bureau"],
        indicator=source.indicators.get(code="A2"),
        version=1,
        name="改过的名称",
    )
    target = services.cycle_create(year=2026, actor=people["bureau"])
    services.rubric_copy(cycle=target, source=source, actor=people["bureau"])
    assert target.indicators.get(code="A2").name == "改过的名称"
    assert target.indicators.count() == source.indicators.count()


def test_cycle_settings_are_checked(people, centers):
    with pytest.raises(ApplicationError) as exc:
        services.cycle_create(
            year=2026, actor=people["bureau"], review_deadline=date(2026, 1, 1), sample_numerator=0
        )
    assert "review_deadline" in exc.value.fields and "sample_numerator" in exc.value.fields


def test_submission_lists_what_is_missing_and_changes_nothing(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    with pytest.raises(ApplicationError) as exc:
        services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    # the activity figures come from the registers (0 rows is 0, not missing); the work plan is missing
    assert "trainings_held" not in exc.value.fields and "work_plan" in exc.value.fields
    assert "indicator:A2" in exc.value.fields
    filing.refresh_from_db()
    assert filing.state == FilingState.DRAFT and filing.snapshot == {}


def test_self_scores_refuse_above_maximum_negative_and_thirds(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    a2 = cycle.indicators.get(code="A2")
    for bad in ("4", "-1", "1.3", "abc"):
        with pytest.raises(ApplicationError):
            services.self_scores_save(
                filing=filing, actor=people["director"], entries={a2.pk: (bad, "")}, versions={}, today=TODAY
            )
    assert not SelfScore.objects.filter(filing=filing).exists()
    services.self_scores_save(
        filing=filing, actor=people["director"], entries={a2.pk: ("2.5", "好")}, versions={}, today=TODAY
    )
    assert SelfScore.objects.get(filing=filing, indicator=a2).score == Decimal("2.5")
    computed = cycle.indicators.get(code="A1")
    with pytest.raises(ApplicationError, match="自评分有误"):
        services.self_scores_save(
            filing=filing,
            actor=people["director"],
            entries={computed.pk: ("10", "")},
            versions={},
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.pdf", PNG, "内容与文件名不符"),
        ("a.exe", b"MZ\x90\x00" * 10, "文件类型不允许"),
        ("../a.pdf", b"%PDF-1.4", "文件名不合规"),
        ("dir/a.pdf", b"%PDF-1.4", "文件名不合规"),
        ("a.docx", b"PK\x03\x04notreallyazip", "文件类型不允许"),
    ],
)
def test_evidence_is_checked_by_content_and_name(people, centers, name, content, message):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    with pytest.raises(ApplicationError, match=message):
        services.evidence_upload(
            filing=filing,
            indicator=cycle.indicators.first(),
            actor=people["director"],
            upload=upload(name, content),
            today=TODAY,
        )
    assert not Evidence.objects.exists()


def test_evidence_over_the_limit_is_refused(people, centers, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    with pytest.raises(ApplicationError, match="文件过大"):
        services.evidence_upload(
            filing=filing,
            indicator=cycle.indicators.first(),
            actor=people["director"],
            upload=upload("a.pdf", b"%PDF-1.4" + b"0" * 200),
            today=TODAY,
        )


def test_real_docx_png_and_pdf_are_accepted(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    indicator = cycle.indicators.first()
    for name, content in (("a.docx", docx_bytes()), ("b.png", PNG), ("c.PDF", PDF)):
        services.evidence_upload(
            filing=filing,
            indicator=indicator,
            actor=people["director"],
            upload=upload(name, content),
            today=TODAY,
        )
    assert Evidence.objects.filter(filing=filing).count() == 3
    assert all(len(e.sha256) == 64 and "/evidence/" in e.file.name for e in Evidence.objects.all())


def test_snapshot_is_frozen_on_submission_and_later_register_edits_do_not_change_it(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = complete_filing(Filing.objects.get(cycle=cycle, center=people["zjj"]), people["director"])
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    filing.refresh_from_db()
    frozen = dict(filing.snapshot)
    assert frozen["center"]["name"] == people["zjj"].name
    assert filing.self_total is not None and filing.state == FilingState.SUBMITTED
    center = people["zjj"]
    center.name = "改名后的中心"
    center.director_name = "新主任"
    center.save()
    filing.refresh_from_db()
    assert filing.snapshot == frozen
    assert filing.snapshot["center"]["name"] != "改名后的中心"
    # computed indicators carry how they were computed
    a1 = SelfScore.objects.get(filing=filing, indicator__code="A1")
    assert "R-STAFF-2" in a1.computed_detail
    g2 = SelfScore.objects.get(filing=filing, indicator__code="G2")
    assert g2.score == Decimal("5.0") and "满分要求 4" in g2.computed_detail  # 5 trainings ≥ 4


def test_return_shows_reasons_by_field_then_resubmit_and_accept(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = complete_filing(Filing.objects.get(cycle=cycle, center=people["zjj"]), people["director"])
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    with pytest.raises(ApplicationError, match="须经业务主管单位初审"):
        services.filing_accept(filing=filing, actor=people["bureau"])
    services.filing_review(filing=filing, actor=people["supervisor"])
    with pytest.raises(ApplicationError, match="请填写退回原因"):
        services.filing_return(
            filing=filing, actor=people["bureau"], stage=ReturnStage.ACCEPTANCE, reason=" "
        )
    services.filing_return(
        filing=filing,
        actor=people["bureau"],
        stage=ReturnStage.ACCEPTANCE,
        reason="培训场次与签到表不符",
        field_reasons={"trainings_held": "请按签到表填写"},
    )
    filing.refresh_from_db()
    assert filing.state == FilingState.RETURNED
    assert Notification.objects.filter(recipient=people["director"], kind="filing_returned").count() == 1
    services.filing_save_figures(
        filing=filing,
        actor=people["director"],
        version=Filing.objects.get(pk=filing.pk).version,
        values={"trainings_held": 3},
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    services.filing_review(filing=filing, actor=people["supervisor"])
    services.filing_accept(filing=filing, actor=people["bureau"])
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED
    assert filing.returns.get().resolved_at is not None


def test_filing_closes_at_the_deadline_unless_reopened_for_that_center(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    late = cycle.filing_deadline + timedelta(days=1)
    with pytest.raises(ApplicationError, match="截止"):
        services.filing_save_figures(
            filing=filing,
            actor=people["director"],
            version=1,
            values={"trainees": 1},
            figure_notes={"trainees": "按纸质签到表填报"},
            today=late,
        )
    services.filing_reopen(
        filing=filing, actor=people["bureau"], until=late + timedelta(days=5), reason="系统故障", today=late
    )
    services.filing_save_figures(
        filing=filing,
        actor=people["director"],
        version=1,
        values={"trainees": 1},
        figure_notes={"trainees": "按纸质签到表填报"},
        today=late,
    )
    assert Filing.objects.get(pk=filing.pk).trainees == 1
    assert entries_for(filing).filter(action="evaluations.filing.reopened").exists()
    other = Filing.objects.get(cycle=cycle, center=people["jz"])
    with pytest.raises(ApplicationError, match="截止"):
        services.filing_save_figures(
            filing=other, actor=people["other_director"], version=1, values={"trainees": 1}, today=late
        )


def test_draw_refuses_out_of_order_and_a_second_draw(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    with pytest.raises(ApplicationError, match="不能抽样"):
        services.draw_create(cycle=cycle, actor=people["bureau"])
    to_spot_check(cycle, people)
    with pytest.raises(ApplicationError, match="排除原因"):
        services.draw_create(cycle=cycle, actor=people["bureau"], excluded={people["jz"].pk: ""})
    draw = services.draw_create(
        cycle=cycle,
        actor=people["bureau"],
        must_include=[people["zjj"].pk],
        excluded={people["jz"].pk: "上年度已抽检"},
    )
    assert len(draw.result) == 4 and len(draw.population) == 11
    assert people["zjj"].pk in [c["id"] for c in draw.result]
    assert people["jz"].pk not in [c["id"] for c in draw.result]
    rerun, matches = services.draw_verify(draw)
    assert matches and rerun == [c["id"] for c in draw.result]
    with pytest.raises(ApplicationError, match="已经抽样"):
        services.draw_create(cycle=cycle, actor=people["bureau"])
    assert Draw.objects.count() == 1


def _run_results(cycle, actor):
    job = services.results_request(cycle=cycle, actor=actor)
    return run_job(str(job.pk), services.results_work)


def test_scoring_before_the_draw_and_publishing_before_scoring_are_refused(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    with pytest.raises(ApplicationError, match="不能计算最终结果"):
        services.results_request(cycle=cycle, actor=people["bureau"])
    to_spot_check(cycle, people)
    with pytest.raises(ApplicationError, match="尚未抽样"):
        services.cycle_advance(cycle=cycle, actor=people["bureau"], to_state=CycleState.SCORING)
    with pytest.raises(ApplicationError, match="不能公布结果"):
        services.cycle_publish(cycle=cycle, actor=people["bureau"])
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SPOT_CHECK


def test_spot_check_replaces_self_score_with_gap_finding_ties_and_contribution(people, centers):
    cycle, draw = through_scoring(people, centers)
    _run_results(cycle, people["bureau"])
    job = _run_results(cycle, people["bureau"])  # running again: same rows, no duplicates
    assert job.status == "succeeded"
    results = {r.center_id: r for r in Result.objects.all()}
    assert len(results) == 11
    zjj = results[people["zjj"].pk]
    assert zjj.sampled and zjj.final_score == zjj.spot_score
    assert zjj.gap == zjj.self_score - zjj.spot_score and zjj.gap > 10
    assert "超过容差 10 分" in zjj.finding
    assert zjj.contribution == (zjj.final_score / 100 * cycle.performance_weight).quantize(Decimal("0.01"))
    # every unsampled center filed identically → equal scores share rank 1
    unsampled = [r for r in results.values() if not r.sampled]
    assert {r.rank for r in unsampled} == {1}
    assert zjj.rank == 11
    assert zjj.grade in ("不合格", "合格")


def test_weighted_rule_combines_self_and_spot_scores(people, centers):
    cycle, draw = through_scoring(people, centers, rule=CombinationRule.WEIGHTED)
    _run_results(cycle, people["bureau"])
    zjj = Result.objects.get(center=people["zjj"])
    expected = (zjj.self_score * Decimal("0.30") + zjj.spot_score * Decimal("0.70")).quantize(Decimal("0.01"))
    assert zjj.final_score == expected


def test_auditor_rechecks_computed_indicators_and_submission_locks(people, centers):
    cycle, draw = through_scoring(people, centers)
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    a1 = AuditScore.objects.get(filing=filing, indicator__code="A1")
    assert a1.confirmed is True and a1.computed_detail
    with pytest.raises(ApplicationError):
        services.audit_scores_save(
            filing=filing,
            actor=people["auditor"],
            entries={a1.indicator_id: {"confirmed": "false"}},
            versions={a1.indicator_id: a1.version},
        )


def test_publish_freezes_and_a_correction_is_a_new_visible_revision(people, centers):
    cycle, draw = through_scoring(people, centers)
    _run_results(cycle, people["bureau"])
    services.cycle_publish(cycle=cycle, actor=people["bureau"])
    cycle.refresh_from_db()
    assert cycle.state == CycleState.PUBLICITY and cycle.publicity_ends_on is not None
    with pytest.raises(ApplicationError):
        services.results_request(cycle=cycle, actor=people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    b2 = Indicator.objects.get(cycle=cycle, code="B2")
    services.audit_score_correct(
        filing=filing,
        indicator=b2,
        actor=people["bureau"],
        score="4",
        reason="复核后更正",
        version=AuditScore.objects.get(filing=filing, indicator=b2).version,
    )
    job = services.result_correction_request(cycle=cycle, actor=people["bureau"], reason="B2 抽检分更正")
    run_job(str(job.pk), services.results_work)
    sets = list(cycle.result_sets.order_by("revision"))
    assert [s.revision for s in sets] == [1, 2]
    assert all(s.is_published for s in sets) and sets[1].is_current and not sets[0].is_current
    old = Result.objects.get(result_set=sets[0], center=people["zjj"])
    new = Result.objects.get(result_set=sets[1], center=people["zjj"])
    assert new.final_score == old.final_score + 2  # B2 4.0 instead of 2.0


def test_reminders_are_sent_once_per_recipient_and_deadline(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    week_before = cycle.filing_deadline - timedelta(days=7)
    first = services.reminders_send(today=week_before)
    second = services.reminders_send(today=week_before)
    assert first["directors"] == 2 and second["directors"] == 0  # the two directors of the fixture
    assert Notification.objects.filter(recipient=people["director"], kind="filing_due").count() == 1
    assert mail.outbox == []  # e-mailed by a job after commit (the outbox), not by the reminder itself
    from core.models import Job
    from evaluations.services.notifications import NOTIFY_KIND, notifications_send_work

    for job in Job.objects.filter(kind=NOTIFY_KIND, status="pending"):
        run_job(str(job.pk), notifications_send_work)
    assert len([m for m in mail.outbox if "d@example.org" in m.to]) == 1
    services.reminders_send(today=cycle.filing_deadline - timedelta(days=3))
    assert Notification.objects.filter(recipient=people["director"], kind="filing_due").count() == 2
    # supervising unit: pending review before its deadline
    filing = complete_filing(Filing.objects.get(cycle=cycle, center=people["zjj"]), people["director"])
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    day = cycle.review_deadline - timedelta(days=1)
    services.reminders_send(today=day)
    services.reminders_send(today=day)
    assert Notification.objects.filter(recipient=people["supervisor"], kind="review_due").count() == 1
    # the bureau's overdue list
    services.reminders_send(today=cycle.filing_deadline + timedelta(days=1))
    services.reminders_send(today=cycle.filing_deadline + timedelta(days=1))
    overdue = Notification.objects.get(recipient=people["bureau"], kind="overdue")
    assert "金泽镇" in overdue.body and "朱家角镇" not in overdue.body

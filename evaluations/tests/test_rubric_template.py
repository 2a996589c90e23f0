"""The portal's rubric template with every item kind (after the structure of the Shanghai 2025 rating
index): chosen when a cycle is made, scored, and printed with each item's explanation."""

import re
import subprocess
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.jobs import run_job
from evaluations import services
from evaluations.choices import CycleState, IndicatorKind
from evaluations.models import Cycle, Filing, SelfScore

from .conftest import complete_filing

pytestmark = pytest.mark.django_db

YEAR = 2030
TODAY = date(YEAR, 12, 1)


def _create_through_the_page(bureau) -> Cycle:
    client = Client()
    client.force_login(bureau)
    form = client.get(reverse("evaluations:cycle_create")).content.decode()
    assert "评分表模板" in form and "参照《上海市社会组织评估指标（2025年版）》结构编写" in form
    answer = client.post(
        reverse("evaluations:cycle_create"),
        {
            "idempotency_key": str(uuid.uuid4()),
            "year": YEAR,
            "levels": ["street_town"],
            "filing_deadline": f"{YEAR}-12-31",
            "review_deadline": f"{YEAR + 1}-01-15",
            "acceptance_deadline": f"{YEAR + 1}-01-31",
            "spot_check_deadline": f"{YEAR + 1}-02-28",
            "sample_numerator": 1,
            "sample_denominator": 3,
            "combination_rule": "replace",
            "self_weight": "0.30",
            "gap_tolerance": "10",
            "performance_weight": "10",
            "grade_bands": "优秀=90\n良好=80\n合格=60\n不合格=0",
            "reminder_days": "7,3,1",
            "not_applicable_rule": "redistribute",
            "rubric_template": "shanghai_style",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    return Cycle.objects.get(year=YEAR)


def test_the_template_with_every_item_kind_is_chosen_scored_and_printed_with_its_explanations(
    people, centers, pdf_tools
):
    from reports import builders
    from reports.services import document_render

    bureau = people["bureau"]
    cycle = _create_through_the_page(bureau)
    by_code = {i.code: i for i in cycle.indicators.select_related("category")}
    kinds = {i.kind for i in by_code.values()}
    assert kinds == {IndicatorKind.STANDARD, IndicatorKind.DEDUCTION, IndicatorKind.VETO, IndicatorKind.BONUS}
    assert by_code["A2"].max_score == Decimal("3.5") and by_code["B3"].max_score == Decimal("0.5")
    assert (by_code["B7"].per_occurrence, by_code["B7"].floor) == (Decimal("1.5"), Decimal("0"))
    assert (by_code["F2"].per_occurrence, by_code["F2"].cap) == (Decimal("1"), Decimal("3"))
    assert by_code["C4"].may_be_not_applicable and by_code["C10"].may_be_not_applicable
    # 100 points without the veto and the bonus items: the cycle opens
    job = services.cycle_open(cycle=cycle, actor=bureau)
    run_job(str(job.pk), services.cycle_open_work)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OPEN

    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    complete_filing(filing, people["director"], today=TODAY)  # every 常规项 at its maximum
    entries = {
        "B7": "2",  # 扣分项 6, 1.5 each: 6 − 3 = 3
        "B8": "0",  # 6
        "C9": "3",  # 扣分项 5, 2.5 each: 5 − 7.5 → 扣完为止 at 0
        "C4": "不适用",  # its 5 points shared over the rest of 工作绩效 (41 → 36 applicable)
        "F1": "0",  # the veto did not happen
        "F2": "5",  # 5 × 1 = 5 → cap 3
        "F3": "1",  # 0.5
    }
    rows = {r.indicator.code: r for r in SelfScore.objects.filter(filing=filing).select_related("indicator")}
    services.self_scores_save(
        filing=filing,
        actor=people["director"],
        entries={by_code[c].pk: (v, "") for c, v in entries.items()},
        versions={by_code[c].pk: rows[c].version if c in rows else 0 for c in entries},
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    filing.refresh_from_db()
    # the computed items come from the center's registers: read them, then add up by hand
    scores = {
        r.indicator.code: r.score for r in SelfScore.objects.filter(filing=filing).select_related("indicator")
    }
    assert scores["B7"] == Decimal("3") and scores["C9"] == Decimal("0") and scores["F2"] == Decimal("3")
    work = ["C1", "C2", "C3", "C5", "C6", "C7", "C8", "C9", "C10"]
    others = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "D1", "D2", "E1", "E2"]
    expected = (
        sum(scores[c] for c in others)
        + sum(scores[c] for c in work) * Decimal(41) / Decimal(36)
        + Decimal("3")
        + Decimal("0.5")
    ).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert filing.self_total == expected

    services.cycle_close_filing(cycle=cycle, actor=bureau, reason="测试：提前结束填报")
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.SCORING)
    cycle.refresh_from_db()
    job = services.results_request(cycle=cycle, actor=bureau, enqueue=False)
    run_job(str(job.pk), services.results_work)
    services.cycle_publish(cycle=cycle, actor=bureau, queue_reports=False)
    document, _created = document_render(
        builders.center_report_spec(cycle_id=cycle.pk, center_id=people["zjj"].pk)
    )
    with document.file.open("rb") as f:
        text = subprocess.run(["pdftotext", "-", "-"], input=f.read(), capture_output=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)  # the PDF wraps long lines: compare without the breaks
    for printed in (
        "不适用指标的处理：不适用指标的分值按比例分给同类其余指标",
        "扣分项：满分6分，每发生一次扣1.5分，扣完为止（最低0分）；发生2次",
        "计分：扣分项：发生2次×每次扣1.5分=扣3分，扣完为止（最低0分）→3/6",
        "计分：扣分项：发生3次×每次扣2.5分=扣7.5分，扣完为止（最低0分）→0/5",
        "一票否决项：发生即评为不合格，不论得分多少；发生0次",
        "加分项：每次加1分，最多加3分（不计入100分）；发生5次",
        "计分：加分项：5次×每次1分=5分，上限3分→加3分",
        "常规项：0至5分，可为0.5分；可认定不适用；认定不适用",
        "计分：不适用：5分按满分比例分给工作绩效类其余指标",
        "含不适用指标分摊，折算为",
        f"{filing.self_total:.2f}",
    ):
        assert printed in flat, printed

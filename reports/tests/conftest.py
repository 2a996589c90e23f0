"""Fixtures for the reports tests: a center's filing in a cycle, people around it, a rendered document."""

from __future__ import annotations

import io
from datetime import date

import pytest

from accounts.roles import Role
from core.testing import make_user


@pytest.fixture
def centers(db):
    from centers import demo
    from centers.models import ServiceCenter

    demo.seed(stdout=io.StringIO(), password="")
    return {
        c.street_town.name: c
        for c in ServiceCenter.objects.filter(street_town__isnull=False).select_related("street_town")
    }


@pytest.fixture
def cycle(db):
    from evaluations.models import Cycle

    return Cycle.objects.create(
        year=2024,
        title="2024 年度绩效考评",
        filing_deadline=date(2025, 1, 31),
        review_deadline=date(2025, 2, 15),
        acceptance_deadline=date(2025, 2, 28),
        spot_check_deadline=date(2025, 3, 31),
    )


@pytest.fixture
def filings(centers, cycle):
    from evaluations.models import Filing

    return {name: Filing.objects.create(cycle=cycle, center=center) for name, center in centers.items()}


def simple_spec(filing, *, note: str = "第一稿"):
    """A center report of ``filing`` on the foundation's simple template (the machinery, not the layout)."""
    from reports.choices import ReportKind
    from reports.services import ReportSpec

    return ReportSpec(
        kind=ReportKind.CENTER_REPORT,
        subject_key=f"center_report/cycle-{filing.cycle_id}/center-{filing.center_id}",
        title=f"{filing.center.name} {filing.cycle.year} 年度绩效考评报告",
        template="reports/pdf/test_page.html",
        context={"requester": note, "generated_at": None, "job_id": 0, "street_towns": [filing.center.name]},
        center=filing.center,
        links={"cycle": filing.cycle, "filing": filing},
    )


@pytest.fixture
def people(centers):
    from centers.models import SupervisingUnit

    return {
        "bureau": make_user("bureau_staff", Role.BUREAU),
        "director": make_user("dir_zjj", Role.DIRECTOR, center=centers["朱家角镇"]),
        "other_director": make_user("dir_jz", Role.DIRECTOR, center=centers["金泽镇"]),
        "supervisor": make_user(
            "sup_zjj", Role.SUPERVISOR, unit=SupervisingUnit.objects.get(name="朱家角镇人民政府")
        ),
        "auditor": make_user("aud", Role.AUDITOR),
    }


def build_published_cycle(*, year: int, centers: list, bureau, auditor, seed: int = 20250107):
    """A published cycle built with the evaluations app's own rubric, scoring and draw code: every center
    filed and self-assessed, a third of them spot-checked by ``auditor``, results computed and published."""
    from decimal import Decimal

    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from evaluations import draw as draws
    from evaluations import services as ev
    from evaluations.choices import CycleState, FilingState
    from evaluations.models import Assignment, AuditScore, Draw, Filing, Result, ResultSet, SelfScore

    cycle = ev.cycle_create(year=year, actor=bureau)
    indicators = list(cycle.indicators.all())
    now = timezone.now()
    filings = []
    for index, center in enumerate(sorted(centers, key=lambda c: c.pk)):
        filing = Filing.objects.create(
            cycle=cycle,
            center=center,
            state=FilingState.ACCEPTED,
            submitted_at=now,
            reviewed_at=now,
            accepted_at=now,
            trainings_held=3 + index % 4,
            trainees=120 + 7 * index,
            projects_undertaken=1 + index % 3,
            project_funding=Decimal("12.50") + index,
            party_coverage_percent=Decimal("96.5"),
            notes="全年按计划开展培训、孵化与党建工作。",
        )
        filing.snapshot = ev.take_snapshot(filing)
        filing.snapshot_taken_at = now
        total = Decimal(0)
        for n, indicator in enumerate(indicators):
            share = Decimal("0.95") - Decimal("0.05") * ((index + n) % 6)
            score = (indicator.max_score * share * 2).to_integral_value() / 2
            SelfScore.objects.create(
                filing=filing, indicator=indicator, score=score, comment=f"自评：{indicator.name}"
            )
            total += score
        filing.self_total = total
        filing.save()
        filings.append(filing)
    population = [f.center_id for f in filings]
    sample = draws.draw_sample(
        population=population, seed=seed, numerator=1, denominator=3, must_include=[], excluded=[]
    )
    names = {f.center_id: f.center.name for f in filings}
    Draw.objects.create(
        cycle=cycle,
        algorithm=draws.ALGORITHM,
        seed=seed,
        share_numerator=1,
        share_denominator=3,
        sample_size=len(sample),
        population=[{"id": c, "name": names[c]} for c in population],
        result=[{"id": c, "name": names[c]} for c in sample],
    )
    for filing in filings:
        if filing.center_id not in sample:
            continue
        spot = Decimal(0)
        for n, indicator in enumerate(indicators):
            own = filing.self_scores.get(indicator=indicator).score
            score = max(Decimal(0), own - (Decimal("1.5") if n % 3 == 0 else 0))
            AuditScore.objects.create(
                filing=filing,
                indicator=indicator,
                score=score,
                comment="抽检核实" if n % 3 else "佐证不足，酌情扣分",
            )
            spot += score
        Assignment.objects.create(
            cycle=cycle, filing=filing, auditor=auditor, submitted_at=now, spot_total=spot
        )
        assign_perm("evaluations.view_filing", auditor, filing)
    cycle.state = CycleState.SCORING
    cycle.save()
    rows = ev.compute_rows(cycle)
    result_set = ResultSet.objects.create(
        cycle=cycle, revision=1, is_published=True, published_at=now, is_current=True, computed_at=now
    )
    Result.objects.bulk_create(Result(result_set=result_set, **row) for row in rows)
    cycle.state = CycleState.PUBLISHED
    cycle.published_at = now
    cycle.save()
    return cycle


@pytest.fixture
def published(centers, people):
    """A published 2025 cycle over the eleven street/town centers; ``auditor`` holds its sample."""
    cycle = build_published_cycle(
        year=2025, centers=list(centers.values()), bureau=people["bureau"], auditor=people["auditor"]
    )
    return cycle


@pytest.fixture
def small_published(centers, people):
    """The same, over three street/town centers (朱家角镇 among them) — for tests that render a whole cycle."""
    chosen = [centers[name] for name in ("朱家角镇", "金泽镇", "练塘镇")]
    return build_published_cycle(
        year=2025, centers=chosen, bureau=people["bureau"], auditor=people["auditor"]
    )

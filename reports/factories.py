"""A published cycle built with the evaluations app's own rubric, draw and scoring code — for tests,
the benchmark and the screenshots when the evaluations demo is not at hand."""

from __future__ import annotations


def build_published_cycle(*, year: int, centers: list, bureau, auditor, seed: int = 20250107):
    """A published cycle built with the evaluations app's own rubric, scoring and draw code: every center
    filed and self-assessed, a third of them spot-checked by ``auditor``, results computed and published."""
    from decimal import Decimal

    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from evaluations import draw as draws
    from evaluations import services as ev
    from evaluations.choices import CycleState, FilingState
    from evaluations.figures import effective_figures
    from evaluations.models import Assignment, AuditScore, Draw, Filing, Result, ResultSet, SelfScore

    cycle = ev.cycle_create(year=year, actor=bureau)
    indicators = list(cycle.indicators.all())
    now = timezone.now()
    filings, self_scores, own = [], [], {}
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
        # Frozen as a submission freezes it (evaluations.services.filing_submit): the registers, the
        # roster, the compliance and the figures with the register rows behind them.
        filing.snapshot = ev.take_snapshot(filing, figures=effective_figures(filing))
        filing.snapshot_taken_at = now
        # Computed indicators are scored by the evaluations app from the snapshot, with the figures
        # behind them (as a real submission is); the others get a plausible self score.
        computed = ev.computed_scores(filing, indicators, filing.snapshot)
        total = Decimal(0)
        for n, indicator in enumerate(indicators):
            if indicator.pk in computed:
                score, detail = computed[indicator.pk]
            else:
                share = Decimal("0.95") - Decimal("0.05") * ((index + n) % 6)
                score, detail = (indicator.max_score * share * 2).to_integral_value() / 2, ""
            self_scores.append(
                SelfScore(
                    filing=filing,
                    indicator=indicator,
                    score=score,
                    comment=f"自评：{indicator.name}",
                    computed_detail=detail,
                )
            )
            own[(filing.pk, indicator.pk)] = score
            total += score
        filing.self_total = total
        filing.save()
        filings.append(filing)
    SelfScore.objects.bulk_create(self_scores)
    population = [
        {"id": f.center_id, "name": f.center.name, "credit_code": f.center.credit_code} for f in filings
    ]
    sample = draws.draw_sample(
        population=population, seed=str(seed), numerator=1, denominator=3, must_include=[], excluded=[]
    )
    names = {f.center_id: f.center.name for f in filings}
    Draw.objects.create(
        cycle=cycle,
        algorithm=draws.ALGORITHM,
        seed=str(seed),
        share_numerator=1,
        share_denominator=3,
        sample_size=len(sample),
        population=population,
        result=[{"id": c, "name": names[c]} for c in sample],
    )
    for filing in filings:
        if filing.center_id not in sample:
            continue
        spot = Decimal(0)
        audit_scores = []
        for n, indicator in enumerate(indicators):
            score = max(Decimal(0), own[(filing.pk, indicator.pk)] - (Decimal("1.5") if n % 3 == 0 else 0))
            audit_scores.append(
                AuditScore(
                    filing=filing,
                    indicator=indicator,
                    score=score,
                    comment="抽检核实" if n % 3 else "佐证不足，酌情扣分",
                )
            )
            spot += score
        AuditScore.objects.bulk_create(audit_scores)
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

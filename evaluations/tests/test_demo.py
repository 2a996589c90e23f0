"""Demo data: a published 2025 cycle with its whole outcome; 2026 in draft; a second run changes nothing."""

import os

import pytest
from django.core.management import call_command

from evaluations.choices import CycleState
from evaluations.models import AuditScore, Cycle, Draw, Filing, Result, SelfScore

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Cycle.objects.count(),
        Filing.objects.count(),
        SelfScore.objects.count(),
        AuditScore.objects.count(),
        Result.objects.count(),
    )


def test_demo_has_a_published_2025_cycle_and_a_draft_2026_and_is_idempotent(demo):
    c2025 = Cycle.objects.get(year=2025)
    assert c2025.state == CycleState.PUBLICITY  # published: in its publicity period (公示中)
    assert Cycle.objects.get(year=2026).state == CycleState.DRAFT
    filings = Filing.objects.filter(cycle=c2025)
    assert filings.count() == 11 and all(f.state == "accepted" and f.snapshot for f in filings)
    draw = Draw.objects.get(cycle=c2025)
    assert len(draw.result) == 4 and "朱家角" in " ".join(c["name"] for c in draw.result)
    results = Result.objects.filter(result_set__cycle=c2025, result_set__is_published=True)
    assert results.count() == 11
    assert results.filter(finding__contains="超过容差").exists()
    before = _counts()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _counts() == before

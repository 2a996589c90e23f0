"""The demo data: plausible rosters, the findings the demo is meant to show, idempotent."""

from datetime import date

import pytest
from django.core.management import call_command

from centers.compliance import RuleStatus
from centers.models import ServiceCenter
from staffing.models import StaffMember, TalentProfile, Training
from staffing.selectors import organization_counts, required_full_time, staffing_figures

pytestmark = pytest.mark.django_db


def _counts():
    return (
        StaffMember.objects.count(),
        StaffMember.history.count(),
        Training.objects.count(),
        TalentProfile.objects.count(),
    )


def test_demo_gives_every_center_a_roster_and_shows_the_intended_findings(demo):
    on = date(2026, 6, 30)
    centers = list(ServiceCenter.objects.select_related("street_town"))
    figures = staffing_figures(centers, on)
    assert set(figures) == {c.pk for c in centers}
    by_town = {c.street_town.name: figures[c.pk] for c in centers if c.street_town_id}
    counts = organization_counts(centers, on)
    short = {
        c.street_town.name if c.street_town_id else c.name
        for c in centers
        if (required := required_full_time(c, counts[c.pk])) is not None
        and figures[c.pk].full_time < required
    }
    assert short == {"金泽镇", "白鹤镇"}
    labor = next(f for f in by_town["练塘镇"].findings if f.rule == "R-PAY-3")
    assert labor.status == RuleStatus.NOT_MET and "2600" in labor.detail and "2740" in labor.detail
    below = [
        c
        for c in centers
        if next(f for f in figures[c.pk].findings if f.rule == "R-PAY-3").status == RuleStatus.NOT_MET
    ]
    assert len(below) == 1
    zhujiajiao = next(f for f in by_town["朱家角镇"].findings if f.rule == "R-STAFF-4")
    assert zhujiajiao.status == RuleStatus.MET and "陈洁" in zhujiajiao.detail
    assert TalentProfile.objects.count() >= 30


def test_seeding_twice_changes_nothing(demo):
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first

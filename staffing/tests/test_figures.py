"""staffing_figures (the compliance engine's provider), the pay rules and the ratio helper."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from centers.compliance import RuleStatus
from centers.compliance import staffing_figures as engine_staffing_figures
from staffing.choices import Position, StaffKind
from staffing.selectors import required_full_time, roster_on, roster_snapshot, staffing_figures

from .factories import district_center, industry_center, member, street_town_center, training

pytestmark = pytest.mark.django_db


def finding(figures, rule):
    return next(f for f in figures.findings if f.rule == rule)


def test_counts_are_the_roster_as_it_stood_on_the_date():
    center = street_town_center()
    member(center, StaffKind.FULL_TIME, start_date=date(2020, 1, 1), end_date=date(2024, 6, 30))
    member(center, StaffKind.FULL_TIME, start_date=date(2024, 7, 1))
    member(center, StaffKind.FULL_TIME, start_date=date(2026, 5, 1))
    member(center, StaffKind.PART_TIME, start_date=date(2023, 1, 1))
    member(center, StaffKind.VOLUNTEER, start_date=date(2023, 1, 1), end_date=date(2024, 6, 30))
    on_end_day = staffing_figures([center], date(2024, 6, 30))[center.pk]
    assert (on_end_day.full_time, on_end_day.part_time, on_end_day.volunteers) == (1, 1, 1)
    next_day = staffing_figures([center], date(2024, 7, 1))[center.pk]
    assert (next_day.full_time, next_day.part_time, next_day.volunteers) == (1, 1, 0)
    later = staffing_figures([center], date(2026, 5, 1))[center.pk]
    assert later.full_time == 2
    assert [m.start_date for m in roster_on(center, date(2021, 1, 1))] == [date(2020, 1, 1)]


def test_center_without_any_roster_is_left_out_and_engine_reads_the_provider():
    with_roster = street_town_center("朱家角镇")
    without = street_town_center("金泽镇")
    member(with_roster, start_date=date(2030, 1, 1))  # roster declared, nobody yet on the date
    figures = engine_staffing_figures([with_roster, without], date(2026, 1, 1))
    assert set(figures) == {with_roster.pk}
    assert figures[with_roster.pk].full_time == 0


def test_figures_take_a_constant_number_of_queries(django_assert_num_queries):
    centers = [street_town_center(n) for n in ("朱家角镇", "金泽镇", "练塘镇", "赵巷镇")]
    for c in centers:
        member(c, position=Position.DIRECTOR, is_legal_representative=True)
        member(c, StaffKind.LABOR)
        member(c, StaffKind.LABOR, is_rehired=True)
        member(c, StaffKind.PART_TIME, monthly_pay=Decimal("100"))
        member(c, StaffKind.VOLUNTEER, transport_subsidy=Decimal("50"))
    with django_assert_num_queries(3):
        figures = staffing_figures(centers, date(2026, 6, 1))
    assert len(figures) == 4


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 2), (39, 2), (40, 2), (41, 3), (60, 3), (61, 4), (143, 8)],
)
def test_street_town_requirement_at_its_boundaries(n, expected):
    assert required_full_time(street_town_center(), n) == expected


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 1), (50, 1), (51, 2), (100, 2), (101, 3)])
def test_district_requirement_at_its_boundaries(n, expected):
    assert required_full_time(district_center(), n) == expected


def test_industry_has_no_fixed_ratio_and_unknown_n_has_no_requirement():
    assert required_full_time(industry_center(), 80) is None
    assert required_full_time(street_town_center(), None) is None


def test_requirement_follows_the_policy_parameters_as_data():
    from core.models import PolicyParameter

    PolicyParameter.objects.filter(key="street_town_staff_ratio").update(value=30)
    assert required_full_time(street_town_center(), 61) == 3


@pytest.mark.parametrize(
    ("on", "pay", "status"),
    [
        (date(2026, 3, 1), "2740", RuleStatus.MET),
        (date(2026, 3, 1), "2739", RuleStatus.NOT_MET),
        (date(2025, 12, 31), "2690", RuleStatus.MET),
        (date(2025, 12, 31), "2689", RuleStatus.NOT_MET),
        (date(2025, 8, 1), "2690", RuleStatus.MET),  # 2740 in force since July 2025, but 2025 reads 2024's
        (date(2026, 1, 1), "2739", RuleStatus.NOT_MET),
    ],
)
def test_labor_pay_against_the_previous_years_minimum_wage(on, pay, status):
    center = street_town_center()
    member(center, StaffKind.LABOR, name="王芳", monthly_pay=Decimal(pay), start_date=date(2020, 1, 1))
    result = finding(staffing_figures([center], on)[center.pk], "R-PAY-3")
    assert result.status == status
    floor = "2740" if on.year == 2026 else "2690"
    assert result.figures["minimum_wage"] == floor
    if status == RuleStatus.NOT_MET:
        assert f"王芳月薪酬 {pay} 元" in result.detail and floor in result.detail
        assert result.figures["below"] == [{"name": "王芳", "monthly_pay": pay}]


def test_rehired_labor_is_judged_by_agreement_not_minimum_wage():
    center = street_town_center()
    rehired = member(center, StaffKind.LABOR, name="老刘", is_rehired=True, monthly_pay=Decimal("1500"))
    figures = staffing_figures([center], date(2026, 3, 1))[center.pk]
    assert finding(figures, "R-PAY-3").status == RuleStatus.NOT_APPLICABLE
    assert finding(figures, "R-PAY-5").status == RuleStatus.NO_DATA  # no agreement uploaded
    rehired.contract.save("协议.pdf", ContentFile(b"%PDF-1.4 test"))
    figures = staffing_figures([center], date(2026, 3, 1))[center.pk]
    result = finding(figures, "R-PAY-5")
    assert result.status == RuleStatus.MET and "老刘按协议月报酬 1500 元" in result.detail
    assert figures.rehired == 1 and figures.labor == 1


def test_pay_rules_for_part_time_volunteers_and_full_time():
    center = street_town_center()
    member(center, StaffKind.FULL_TIME, name="甲", post_grade="")
    member(center, StaffKind.PART_TIME, name="乙", monthly_pay=Decimal("800"))
    member(center, StaffKind.VOLUNTEER, name="丙", monthly_pay=Decimal("300"), meal_subsidy=Decimal("200"))
    member(center, StaffKind.VOLUNTEER, name="丁", transport_subsidy=Decimal("100"))
    figures = staffing_figures([center], date(2026, 3, 1))[center.pk]
    assert (
        finding(figures, "R-PAY-1").status == RuleStatus.NO_DATA
        and "甲" in finding(figures, "R-PAY-1").detail
    )
    assert finding(figures, "R-PAY-2").status == RuleStatus.NOT_MET
    assert "乙领取月薪酬 800 元" in finding(figures, "R-PAY-2").detail
    assert finding(figures, "R-PAY-4").status == RuleStatus.NOT_MET
    assert "丙领取薪酬 300 元" in finding(figures, "R-PAY-4").detail


def test_unpaid_part_time_and_subsidised_volunteers_meet_the_rules():
    center = street_town_center()
    member(center, StaffKind.PART_TIME, monthly_pay=Decimal("0"))
    member(center, StaffKind.VOLUNTEER, transport_subsidy=Decimal("100"), meal_subsidy=Decimal("150"))
    figures = staffing_figures([center], date(2026, 3, 1))[center.pk]
    assert finding(figures, "R-PAY-2").status == RuleStatus.MET
    assert finding(figures, "R-PAY-4").status == RuleStatus.MET
    assert finding(figures, "R-PAY-4").figures["monthly_subsidies"] == "250"
    assert finding(figures, "R-PAY-1").status == RuleStatus.NOT_APPLICABLE


def test_legal_representative_is_the_director_or_the_deviation_is_shown():
    center = street_town_center()
    director = member(center, name="陈洁", position=Position.DIRECTOR, is_legal_representative=True)
    figures = staffing_figures([center], date(2026, 3, 1))[center.pk]
    assert finding(figures, "R-STAFF-4").status == RuleStatus.MET
    director.is_legal_representative = False
    director.save()
    member(center, name="周明", position=Position.LEGAL_REPRESENTATIVE, kind=StaffKind.PART_TIME)
    result = finding(staffing_figures([center], date(2026, 3, 1))[center.pk], "R-STAFF-4")
    assert result.status == RuleStatus.NOT_MET
    assert "法定代表人周明不是主任陈洁" in result.detail


def test_roster_snapshot_is_json_with_masked_phones_and_the_years_trainings():
    import json

    center = street_town_center()
    person = member(center, name="陈洁", mobile_phone="13812345678", start_date=date(2025, 1, 1))
    member(center, name="已离职", start_date=date(2020, 1, 1), end_date=date(2025, 12, 31))
    training(center, title="财务培训", held_on=date(2026, 4, 2), hours=Decimal("3.5"), attendees=[person])
    training(center, title="去年的培训", held_on=date(2025, 4, 2), attendees=[person])
    snapshot = roster_snapshot(center, date(2026, 6, 30))
    json.dumps(snapshot)
    assert [p["name"] for p in snapshot["people"]] == ["陈洁"]
    assert snapshot["people"][0]["mobile_phone"] == "138****5678"
    assert [t["title"] for t in snapshot["people"][0]["trainings"]] == ["财务培训"]
    assert snapshot["trainings_count"] == 1 and snapshot["training_hours"] == "3.5"
    assert snapshot["counts"]["full_time"] == 1
    assert {f["rule"] for f in snapshot["findings"]} >= {"R-PAY-1", "R-PAY-3", "R-STAFF-4"}


def test_roster_as_recorded_on_a_past_day_keeps_that_days_values(db):
    from datetime import timedelta

    from django.utils import timezone

    from staffing.models import StaffMember
    from staffing.selectors import roster_as_recorded

    center = street_town_center()
    person = member(
        center, StaffKind.LABOR, name="王芳", monthly_pay=Decimal("2600"), start_date=date(2020, 1, 1)
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    person.history.update(history_date=timezone.now() - timedelta(days=1))
    StaffMember.objects.filter(pk=person.pk).update(monthly_pay=Decimal("3000"))
    person.refresh_from_db()
    person.save()  # today's history record with the new pay
    past = roster_as_recorded(center, yesterday)
    assert [(m.name, m.monthly_pay) for m in past] == [("王芳", Decimal("2600.00"))]
    today = roster_as_recorded(center, timezone.localdate())
    assert [m.monthly_pay for m in today] == [Decimal("3000.00")]

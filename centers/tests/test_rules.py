"""The compliance engine at its boundaries (DOMAIN.md rule IDs)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from centers import rules
from centers.compliance import RuleResult, StaffingFigures
from centers.models import ServiceCenter, Venue
from centers.rules import add_years, evaluate_center, evaluate_centers, evaluate_district
from centers.selectors import center_register_snapshot, social_organization_count

from . import factories as f

YEAR = 2024
FAKE = {}  # center id -> full-time staff, read by fake_staffing


def fake_staffing(centers, on):
    """A test double for staffing.selectors.staffing_figures (another app's selector)."""
    return {
        c.pk: StaffingFigures(
            full_time=FAKE[c.pk],
            part_time=1,
            labor=0,
            rehired=0,
            volunteers=3,
            findings=(RuleResult("R-PAY-3", "met", "劳务人员工资不低于最低工资", {}),),
        )
        for c in centers
        if c.pk in FAKE
    }


@pytest.fixture
def staffing(settings):
    settings.STAFFING_FIGURES_PROVIDER = "centers.tests.test_rules.fake_staffing"
    FAKE.clear()
    yield FAKE
    FAKE.clear()


def by_rule(results):
    return {r.rule: r for r in results}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("n", "required"),
    [(0, 2), (20, 2), (21, 2), (40, 2), (41, 3)],
)
def test_street_town_staffing_requires_max_of_two_and_one_per_twenty(staffing, n, required):
    center = f.center_for("朱家角镇")
    f.organizations(n, street_town_obj=center.street_town)
    staffing[center.pk] = required
    result = by_rule(evaluate_center(center, YEAR))["R-STAFF-2"]
    assert result.status == "met"
    assert result.figures["n"] == n and result.figures["required"] == required
    assert result.detail == f"辖区社会组织 {n} 家，应配专职人员 {required} 名，实有 {required} 名"
    staffing[center.pk] = required - 1
    result = by_rule(evaluate_center(center, YEAR))["R-STAFF-2"]
    assert result.status == "not_met"
    assert f"应配专职人员 {required} 名，实有 {required - 1} 名，缺 1 名" in result.detail


@pytest.mark.django_db
def test_street_town_staffing_n21_requires_two_and_n41_three(staffing):
    """ceil(21/20) = 2 = the minimum; ceil(41/20) = 3."""
    center = f.center_for("朱家角镇")
    f.organizations(21, street_town_obj=center.street_town)
    staffing[center.pk] = 2
    assert by_rule(evaluate_center(center, YEAR))["R-STAFF-2"].figures["required"] == 2
    f.organizations(20, street_town_obj=center.street_town)
    assert by_rule(evaluate_center(center, YEAR))["R-STAFF-2"].status == "not_met"


@pytest.mark.django_db
@pytest.mark.parametrize(("n", "required"), [(50, 1), (51, 2)])
def test_district_staffing_counts_the_whole_district(staffing, n, required):
    center = f.district_center()
    half = n // 2
    f.organizations(half, street_town_obj=f.street_town("金泽镇"))
    f.organizations(n - half, street_town_obj=f.street_town("徐泾镇"))
    staffing[center.pk] = required
    result = by_rule(evaluate_center(center, YEAR))["R-STAFF-1"]
    assert (result.status, result.figures["n"], result.figures["required"]) == ("met", n, required)
    staffing[center.pk] = required - 1
    assert by_rule(evaluate_center(center, YEAR))["R-STAFF-1"].status == "not_met"


@pytest.mark.django_db
def test_industry_staffing_is_reported_without_ratio(staffing):
    center = f.industry_center("教育")
    f.organizations(30, industry="教育")
    f.organizations(5, industry="体育")
    staffing[center.pk] = 1
    result = by_rule(evaluate_center(center, YEAR))["R-STAFF-3"]
    assert result.status == "not_applicable"
    assert result.figures["n"] == 30
    assert "本行业社会组织 30 家，实有专职人员 1 名" in result.detail


@pytest.mark.django_db
def test_without_staffing_figures_the_staffing_rules_say_no_data(settings):
    settings.STAFFING_FIGURES_PROVIDER = "centers.tests.test_rules.fake_staffing"
    FAKE.clear()
    center = f.center_for("朱家角镇")
    f.organizations(25, street_town_obj=center.street_town)
    results = by_rule(evaluate_center(center, YEAR))
    assert results["R-STAFF-2"].status == "no_data"
    assert "应配专职人员 2 名" in results["R-STAFF-2"].detail
    for rule in rules.STAFFING_FINDING_RULES:
        assert results[rule].status == "no_data"


@pytest.mark.django_db
def test_pay_findings_of_the_staffing_app_are_included(staffing):
    center = f.center_for("朱家角镇")
    staffing[center.pk] = 2
    results = by_rule(evaluate_center(center, YEAR))
    assert results["R-PAY-3"].status == "met"
    assert results["R-PAY-1"].status == "no_data"  # not judged by the provider → no data, not invented


@pytest.mark.django_db
def test_real_staffing_provider_answers_through_the_interface():
    """Whatever the configured provider (staffing app) returns is what the engine reports."""
    center = f.center_for("朱家角镇")
    results = by_rule(evaluate_center(center, YEAR))
    # A center with no roster at all: the provider leaves it out → no data, never invented numbers.
    assert results["R-STAFF-2"].status == "no_data"


@pytest.mark.django_db
def test_real_staffing_roster_drives_r_staff_2():
    """Through the real provider (staffing.selectors.staffing_figures): 41 organizations → 3 required."""
    from decimal import Decimal as D

    from staffing.models import StaffMember

    center = f.center_for("朱家角镇")
    f.organizations(41, street_town_obj=center.street_town)
    for i in range(2):
        StaffMember.objects.create(
            center=center,
            name=f"专职{i}",
            kind="full_time",
            start_date=date(2020, 1, 1),
            monthly_pay=D("6000"),
        )
    result = by_rule(evaluate_center(center, YEAR))["R-STAFF-2"]
    assert (result.status, result.detail) == (
        "not_met",
        "辖区社会组织 41 家，应配专职人员 3 名，实有 2 名，缺 1 名",
    )
    StaffMember.objects.create(center=center, name="专职2", kind="full_time", start_date=date(YEAR, 12, 31))
    assert by_rule(evaluate_center(center, YEAR))["R-STAFF-2"].status == "met"


@pytest.mark.django_db
def test_n_counts_organizations_active_on_31_december():
    center = f.center_for("朱家角镇")
    st = center.street_town
    f.organizations(3, street_town_obj=st, registered_on=date(YEAR, 12, 31))  # counted
    f.organizations(2, street_town_obj=st, registered_on=date(YEAR + 1, 1, 1))  # too late
    f.organizations(1, street_town_obj=st, status="deregistered", deregistered_on=date(YEAR, 12, 30))  # gone
    f.organizations(
        1, street_town_obj=st, status="deregistered", deregistered_on=date(YEAR, 12, 31)
    )  # counted
    f.organizations(4, street_town_obj=f.street_town("金泽镇"))  # another town
    assert social_organization_count(center, date(YEAR, 12, 31)) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "status"), [("199.99", "not_met"), ("200", "met"), ("200.00", "met")])
def test_venue_area_boundary(area, status):
    center = f.center_for("朱家角镇")
    f.full_registers(center, YEAR, area=Decimal(area))
    result = by_rule(evaluate_center(center, YEAR))["R-VENUE-1"]
    assert result.status == status
    assert "应不少于 200 平方米" in result.detail


@pytest.mark.django_db
def test_venue_that_is_not_independent_does_not_meet_r_venue_1():
    center = f.center_for("朱家角镇")
    f.full_registers(center, YEAR)
    Venue.objects.filter(center=center).update(is_independent=False)
    assert by_rule(evaluate_center(center, YEAR))["R-VENUE-1"].status == "not_met"


@pytest.mark.django_db
def test_complete_registers_meet_every_register_rule():
    center = f.center_for("朱家角镇")
    f.full_registers(center, YEAR)
    f.rating(center, grade=4, rated_on=date(2022, 5, 1))
    f.organizations(
        2, street_town_obj=center.street_town, party_status="joint", party_status_on=date(2021, 7, 1)
    )
    results = by_rule(evaluate_center(center, YEAR))
    for rule in (
        "R-VENUE-1",
        "R-VENUE-2",
        "R-VENUE-3",
        "R-FUND-1",
        "R-FUND-2",
        "R-FUND-3",
        "R-GOV-1",
        "R-GOV-2",
        "R-ARCH-1",
        "R-ARCH-2",
        "R-EFF-1",
        "R-EFF-2",
        "R-PARTY-1",
    ):
        assert results[rule].status == "met", (rule, results[rule].detail)


@pytest.mark.django_db
def test_empty_registers_say_no_data_not_invented():
    center = f.center_for("朱家角镇")
    f.organizations(3, street_town_obj=center.street_town)  # no party status recorded
    results = by_rule(evaluate_center(center, YEAR))
    for rule in ("R-VENUE-1", "R-FUND-1", "R-FUND-3", "R-GOV-2", "R-ARCH-1", "R-ARCH-2", "R-PARTY-1"):
        assert results[rule].status == "no_data", rule
    assert results["R-EFF-1"].status == "not_met"


@pytest.mark.django_db
def test_a_3a_rating_that_expires():
    center = f.center_for("朱家角镇", established_on=date(2015, 3, 1))
    f.rating(center, grade=3, rated_on=date(2019, 12, 31))  # valid until 2024-12-31
    assert by_rule(evaluate_center(center, 2024))["R-EFF-2"].status == "met"
    result = by_rule(evaluate_center(center, 2025))["R-EFF-2"]
    assert result.status == "not_met"
    assert "已于 2024-12-31 到期" in result.detail


@pytest.mark.django_db
def test_a_2a_rating_is_below_3a():
    center = f.center_for("朱家角镇")
    f.rating(center, grade=2, rated_on=date(2023, 1, 1))
    assert by_rule(evaluate_center(center, YEAR))["R-EFF-2"].status == "not_met"


@pytest.mark.django_db
def test_center_established_one_day_less_than_two_years_ago_need_not_be_rated():
    today = timezone.localdate()
    center = f.center_for("朱家角镇", established_on=add_years(today, -2) + timedelta(days=1))
    result = by_rule(evaluate_center(center, today.year))["R-EFF-2"]
    assert result.status == "not_applicable"
    ServiceCenter.objects.filter(pk=center.pk).update(established_on=add_years(today, -2))
    center.refresh_from_db()
    result = by_rule(evaluate_center(center, today.year))["R-EFF-2"]
    assert result.status == "not_met"
    assert "尚未参加等级评估" in result.detail


@pytest.mark.django_db
def test_established_in_a_past_year_is_judged_on_31_december():
    center = f.center_for("朱家角镇", established_on=date(YEAR - 1, 1, 1))  # two years on 2025-01-01
    assert by_rule(evaluate_center(center, YEAR))["R-EFF-2"].status == "not_applicable"
    ServiceCenter.objects.filter(pk=center.pk).update(established_on=date(YEAR - 2, 12, 31))
    center.refresh_from_db()
    assert by_rule(evaluate_center(center, YEAR))["R-EFF-2"].status == "not_met"


@pytest.mark.django_db
def test_cover_rule_names_the_street_towns_without_a_center():
    district = f.district()
    for st in district.street_towns.exclude(name="白鹤镇"):
        f.center_for(st.name)
    result = evaluate_district(district, YEAR)
    assert result.status == "not_met"
    assert result.figures["missing"] == ["白鹤镇"]
    assert "已建成运行服务中心 10 个" in result.detail
    f.center_for("白鹤镇")
    assert evaluate_district(district, YEAR).status == "met"


@pytest.mark.django_db
def test_bulk_evaluation_runs_a_constant_number_of_queries(staffing, django_assert_max_num_queries):
    centers = [f.center_for(st.name) for st in f.district().street_towns.all()[:3]]
    for c in centers:
        f.full_registers(c, YEAR)
    with django_assert_max_num_queries(16) as few:
        evaluate_centers(centers, YEAR)
    for st in f.district().street_towns.all()[3:]:
        c = f.center_for(st.name)
        f.full_registers(c, YEAR)
        centers.append(c)
    with django_assert_max_num_queries(len(few.captured_queries)):
        results = evaluate_centers(centers, YEAR)
    assert len(results) == 11


@pytest.mark.django_db
def test_register_snapshot_is_json_serialisable_and_complete():
    import json

    center = f.center_for("朱家角镇")
    f.full_registers(center, YEAR)
    f.organizations(7, street_town_obj=center.street_town)
    snapshot = center_register_snapshot(center, YEAR)
    json.dumps(snapshot)
    assert snapshot["social_organization_count"] == 7
    assert snapshot["venue"]["area"] == "260.00"
    assert snapshot["funding"]["bank_accounts"][0]["account_number_masked"].endswith("5678")
    assert "31990012345678" not in json.dumps(snapshot)
    assert len(snapshot["governance"]["rules"]) == 6
    assert {r["rule"] for r in snapshot["compliance"]} >= {"R-STAFF-2", "R-VENUE-1", "R-EFF-2"}

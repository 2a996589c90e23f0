"""Party building on the registry (issue 12, item 10): each organization's party-organization status
with its date, coverage on the reference day, and R-PARTY-1 judged from it."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.roles import Role
from centers import importing
from centers.choices import PartyStatus
from centers.models import SocialOrganization
from centers.rules import evaluate_center, party_coverage
from core.testing import make_user

from . import factories as f
from .test_import_export import HEADER, good_rows, xlsx

pytestmark = pytest.mark.django_db


def party_rule(center, year):
    return next(r for r in evaluate_center(center, year) if r.rule == "R-PARTY-1")


def test_r_party_1_is_not_met_below_full_coverage_and_names_the_figures():
    center = f.center_for("朱家角镇")
    st = center.street_town
    f.organizations(30, street_town_obj=st, party_status=PartyStatus.JOINT, party_status_on=date(2021, 5, 1))
    f.organizations(
        20, street_town_obj=st, party_status=PartyStatus.STANDALONE, party_status_on=date(2019, 3, 1)
    )
    f.organizations(
        5, street_town_obj=st, party_status=PartyStatus.INSTRUCTOR, party_status_on=date(2023, 9, 1)
    )
    uncovered = f.organizations(11, street_town_obj=st, party_status=PartyStatus.NONE)
    f.organizations(4, street_town_obj=st, status="deregistered", deregistered_on=date(2022, 1, 1))
    result = party_rule(center, 2024)
    assert result.status == "not_met"
    assert "辖区 66 家，已覆盖 55 家，覆盖率 83.3 %" in result.detail
    assert "11 家尚未覆盖" in result.detail
    assert result.figures["n"] == 66 and result.figures["covered"] == 55
    assert result.figures["percent"] == "83.3"

    SocialOrganization.objects.filter(pk__in=[o.pk for o in uncovered]).update(
        party_status=PartyStatus.INSTRUCTOR, party_status_on=date(2024, 6, 30)
    )
    result = party_rule(center, 2024)
    assert result.status == "met"
    assert "辖区 66 家，已覆盖 66 家，覆盖率 100.0 %" in result.detail


def test_coverage_is_taken_on_the_reference_day():
    """An organization covered after 31 December of the year does not count for that year."""
    center = f.center_for("金泽镇")
    st = center.street_town
    f.organizations(3, street_town_obj=st, party_status=PartyStatus.JOINT, party_status_on=date(2023, 4, 1))
    f.organizations(
        1, street_town_obj=st, party_status=PartyStatus.STANDALONE, party_status_on=date(2025, 1, 2)
    )
    f.organizations(1, street_town_obj=st, registered_on=date(2025, 3, 1))  # not yet registered in 2024
    coverage = party_coverage([center], date(2024, 12, 31))[center.pk]
    assert (coverage.n, coverage.covered, str(coverage.percent)) == (4, 3, "75.0")
    assert "辖区 4 家，已覆盖 3 家，覆盖率 75.0 %" in party_rule(center, 2024).detail
    assert party_coverage([center], date(2025, 12, 31))[center.pk].covered == 4


def test_no_recorded_status_is_no_data_and_other_levels_get_coverage_but_no_rule():
    center = f.center_for("练塘镇")
    f.organizations(2, street_town_obj=center.street_town)
    assert party_rule(center, 2024).status == "no_data"
    district = f.district_center()
    assert not [r for r in evaluate_center(district, 2024) if r.rule == "R-PARTY-1"]
    coverage = party_coverage([district], date(2024, 12, 31))[district.pk]
    assert coverage.n == 2 and coverage.covered == 0


def test_import_export_form_list_filter_and_api_carry_the_status():
    rows = good_rows(2, start=700)
    rows[0] += ["联合组建", "2021-07-01"]
    rows[1] += ["单独组建", ""]  # covered without a date: refused, naming row and column
    header = [*HEADER, "党组织覆盖情况", "覆盖情况日期"]
    result = importing.import_organizations(name="o.xlsx", data=xlsx(rows, header=header))
    assert [(e.row, e.column) for e in result.errors] == [(3, "覆盖情况日期")]
    rows[1][-1] = "2022-02-02"
    result = importing.import_organizations(name="o.xlsx", data=xlsx(rows, header=header))
    assert not result.errors and result.created == 2
    org = SocialOrganization.objects.get(name=rows[0][0])
    assert (org.party_status, org.party_status_on) == (PartyStatus.JOINT, date(2021, 7, 1))
    # A file of the older layout (without the two columns) leaves the status as it is.
    again = importing.import_organizations(name="o.xlsx", data=xlsx([r[:10] for r in rows]))
    assert again.unchanged == 2
    org.refresh_from_db()
    assert org.party_status == PartyStatus.JOINT

    bureau = make_user("party_bureau", Role.BUREAU)
    client = APIClient()
    client.force_authenticate(bureau)
    body = client.get("/api/v1/social-organizations/", {"party_status": "joint"}).json()
    assert [r["name"] for r in body["results"]] == [org.name]
    assert body["results"][0]["party_status_label"] == "联合组建"
    assert body["results"][0]["party_status_on"] == "2021-07-01"

    from django.test import Client

    page = Client()
    page.force_login(bureau)
    html = page.get(reverse("centers:organization_list"), {"party_status": "standalone"}).content.decode()
    assert "单独组建（2022-02-02）" in html and org.name not in html
    export = page.get(reverse("centers:organization_export"))
    content = b"".join(export.streaming_content) if export.streaming else export.content
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][-2:] == ["党组织覆盖情况", "覆盖情况日期"]
    assert ["联合组建", "2021-07-01"] in [v[-2:] for v in values[1:]]

    form = page.get(reverse("centers:organization_edit", args=[org.pk])).content.decode()
    assert "党组织覆盖情况" in form and "覆盖情况日期" in form
    response = page.post(
        reverse("centers:organization_edit", args=[org.pk]),
        {
            "name": org.name,
            "credit_code": org.credit_code,
            "kind": org.kind,
            "registered_on": org.registered_on.isoformat(),
            "street_town": org.street_town_id,
            "industry": "",
            "status": "active",
            "deregistered_on": "",
            "party_status": "instructor",
            "party_status_on": "",
            "version": org.version,
        },
    )
    assert response.status_code == 200
    assert "已覆盖（单独组建、联合组建或党建指导员覆盖）时须填写覆盖情况日期" in response.content.decode()

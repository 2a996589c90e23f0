"""``/api/v1/districts/{id}/compliance/?year=`` (issue 12, item 12): R-COVER-1 and the district's
figures, for the bureau; everyone else is answered as the project's rules say."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from core.testing import make_user

from . import factories as f

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def district_world(db):
    own = f.center_for("朱家角镇")
    f.center_for("金泽镇")
    f.district_center()
    f.organizations(
        3, street_town_obj=own.street_town, party_status="joint", party_status_on=date(2022, 1, 1)
    )
    f.organizations(1, street_town_obj=own.street_town)
    return {
        "district": own.district,
        "bureau": make_user("dc_bureau", Role.BUREAU),
        "director": make_user("dc_director", Role.DIRECTOR, center=own),
        "supervisor": make_user("dc_supervisor", Role.SUPERVISOR, unit=own.supervising_unit),
    }


def test_the_bureau_reads_r_cover_1_and_the_district_figures(district_world):
    url = f"/api/v1/districts/{district_world['district'].pk}/compliance/"
    response = api(district_world["bureau"]).get(url, {"year": 2024})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2024 and body["reference_day"] == "2024-12-31"
    [cover] = body["rules"]
    assert cover["rule"] == "R-COVER-1" and cover["status"] == "not_met"
    assert "已建成运行服务中心 2 个" in cover["detail"]
    figures = body["figures"]
    assert figures["street_towns_covered"] == 2 and "夏阳街道" in figures["street_towns_missing"]
    assert figures["centers_operating"]["street_town"] == 2
    assert figures["organizations"] == 4
    assert figures["party_coverage"] == {
        "n": 4,
        "covered": 3,
        "recorded": 3,
        "percent": "75.0",
        "by_status": {"standalone": 0, "joint": 3, "instructor": 0, "none": 0},
    }
    zjj = next(c for c in body["centers"] if "朱家角" in c["name"])
    assert "R-PARTY-1" in zjj["not_met"] and zjj["level_label"] == "街镇服务中心"


def test_others_are_answered_as_the_project_rules_say(district_world):
    url = f"/api/v1/districts/{district_world['district'].pk}/compliance/"
    anonymous = api().get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["status"] == 401
    for who in ("director", "supervisor"):
        response = api(district_world[who]).get(url)
        assert response.status_code == 404, who
        assert set(response.json()["error"]) >= {"status", "code", "message"}


def test_a_bad_id_is_404_and_a_bad_year_is_400_naming_the_field_in_chinese(district_world):
    bureau = api(district_world["bureau"])
    district = district_world["district"]
    for bad in (district.pk + 1000, "abc"):
        response = bureau.get(f"/api/v1/districts/{bad}/compliance/")
        assert response.status_code == 404, bad
        assert response.json()["error"]["status"] == 404
    for year in ("20x5", "1999", "25"):
        response = bureau.get(f"/api/v1/districts/{district.pk}/compliance/", {"year": year})
        assert response.status_code == 400, year
        error = response.json()["error"]
        assert error["status"] == 400 and "年" in error["message"] and "year" not in error["message"]
        assert "year" in error["fields"]

"""Small data for the registers' tests: two street/town centers (A, B), their people, an outsider."""

import pytest

from accounts.roles import Role
from core.testing import make_user


@pytest.fixture
def world(db):
    from centers.choices import CenterLevel
    from centers.models import ServiceCenter, SocialOrganization, StreetTown
    from centers.selectors import current_district

    district = current_district()
    towns = list(StreetTown.objects.filter(district=district).select_related("supervising_unit")[:2])

    def center(town):
        return ServiceCenter.objects.create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            name=f"{town.name}社会组织服务中心",
            street_town=town,
            supervising_unit=town.supervising_unit,
        )

    a, b = center(towns[0]), center(towns[1])
    orgs = [
        SocialOrganization.objects.create(
            district=district,
            name=f"{towns[0].name}测试社会组织{i}",
            credit_code=f"52310118MJ000000{i:0>2}"[:18],
            kind="2",
            registered_on="2020-01-01",
            street_town=towns[0],
        )
        for i in range(3)
    ]
    other_org = SocialOrganization.objects.create(
        district=district,
        name=f"{towns[1].name}测试社会组织",
        credit_code="52310118MJ00000099",
        kind="2",
        registered_on="2020-01-01",
        street_town=towns[1],
    )

    from centers.tests import factories as center_factories

    d = center_factories.district_center()
    i = center_factories.industry_center("教育")
    industry_org = SocialOrganization.objects.create(
        district=district,
        name="测试教育培训中心",
        credit_code="52310118MJ00000088",
        kind="2",
        registered_on="2020-01-01",
        industry="教育",
    )
    return {
        "d": d,
        "i": i,
        "industry_org": industry_org,
        "director_d": make_user("t_director_d", Role.DIRECTOR, center=d),
        "director_i": make_user("t_director_i", Role.DIRECTOR, center=i),
        "supervisor_d": make_user("t_supervisor_d", Role.SUPERVISOR, unit=d.supervising_unit),
        "supervisor_i": make_user("t_supervisor_i", Role.SUPERVISOR, unit=i.supervising_unit),
        "a": a,
        "b": b,
        "orgs": orgs,
        "other_org": other_org,
        "director_a": make_user("t_director_a", Role.DIRECTOR, center=a),
        "director_b": make_user("t_director_b", Role.DIRECTOR, center=b),
        "supervisor_a": make_user("t_supervisor_a", Role.SUPERVISOR, unit=a.supervising_unit),
        "bureau": make_user("t_bureau", Role.BUREAU),
        "auditor": make_user("t_auditor", Role.AUDITOR),
    }

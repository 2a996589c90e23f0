from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from accounts.roles import Role
from centers.models import SupervisingUnit
from core.testing import make_user
from staffing.choices import Position, StaffKind

from .factories import district_center, member, street_town_center, talent, training


@pytest.fixture
def world(db):
    """Two town centers, the district center, and one person of each role around them."""
    a = street_town_center("朱家角镇")
    b = street_town_center("金泽镇")
    district = district_center()
    people = {
        "director": make_user("director_a", Role.DIRECTOR, center=a),
        "outsider": make_user("director_b", Role.DIRECTOR, center=b),
        "supervisor": make_user(
            "supervisor_a", Role.SUPERVISOR, unit=SupervisingUnit.objects.get(name="朱家角镇人民政府")
        ),
        "bureau": make_user("bureau_user", Role.BUREAU),
        "auditor": make_user("auditor_x", Role.AUDITOR),
        "district_director": make_user("director_district", Role.DIRECTOR, center=district),
    }
    chen = member(
        a,
        StaffKind.FULL_TIME,
        name="陈洁",
        position=Position.DIRECTOR,
        is_legal_representative=True,
        mobile_phone="13812345678",
        start_date=date(2020, 3, 1),
    )
    chen.contract.save("合同.pdf", ContentFile(b"%PDF-1.4 contract"))
    chen.contract_filename = "合同.pdf"
    chen.save()
    wang = member(a, StaffKind.LABOR, name="王芳", monthly_pay=Decimal("3000"), start_date=date(2021, 1, 1))
    t = training(a, attendees=[chen, wang])
    p = talent(district, name="李专家", mobile_phone="13900001111")
    return {
        "a": a,
        "b": b,
        "district": district,
        "chen": chen,
        "wang": wang,
        "training": t,
        "talent": p,
        **people,
    }

"""Small factories for staffing tests (no factory library: plain functions with sensible defaults)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from centers.choices import CenterLevel
from centers.models import District, ServiceCenter, StreetTown
from staffing.choices import StaffKind
from staffing.models import StaffMember, TalentProfile, Training

_seq = itertools.count(1)


def street_town_center(name: str = "朱家角镇") -> ServiceCenter:
    street_town = StreetTown.objects.get(name=name)
    center, _ = ServiceCenter.objects.get_or_create(
        level=CenterLevel.STREET_TOWN,
        street_town=street_town,
        defaults={
            "district": street_town.district,
            "name": f"青浦区{name}社会组织服务中心",
            "supervising_unit": street_town.supervising_unit,
        },
    )
    return center


def district_center() -> ServiceCenter:
    from centers.models import SupervisingUnit

    district = District.objects.get(code="310118")
    center, _ = ServiceCenter.objects.get_or_create(
        level=CenterLevel.DISTRICT,
        district=district,
        defaults={
            "name": "青浦区社会组织服务中心",
            "supervising_unit": SupervisingUnit.objects.get(name="青浦区民政局"),
        },
    )
    return center


def industry_center() -> ServiceCenter:
    from centers.models import SupervisingUnit

    district = District.objects.get(code="310118")
    unit, _ = SupervisingUnit.objects.get_or_create(
        district=district, name="青浦区教育局", defaults={"kind": "industry_authority"}
    )
    center, _ = ServiceCenter.objects.get_or_create(
        level=CenterLevel.INDUSTRY,
        district=district,
        name="青浦区教育行业社会组织服务中心",
        defaults={"supervising_unit": unit, "industry": "教育"},
    )
    return center


def member(center, kind=StaffKind.FULL_TIME, **fields) -> StaffMember:
    defaults = {
        "name": f"人员{next(_seq)}",
        "start_date": date(2024, 1, 1),
        "post_grade": "二岗5级" if kind == StaffKind.FULL_TIME else "",
        "monthly_pay": Decimal("6000") if kind in (StaffKind.FULL_TIME, StaffKind.LABOR) else None,
        "mobile_phone": "13812341234",
    }
    defaults.update(fields)
    return StaffMember.objects.create(center=center, kind=kind, **defaults)


def training(center, *, attendees=(), **fields) -> Training:
    defaults = {
        "title": f"培训{next(_seq)}",
        "organizer": "青浦区民政局",
        "held_on": date(2026, 3, 1),
        "hours": 4,
    }
    defaults.update(fields)
    t = Training.objects.create(center=center, **defaults)
    t.attendees.set(attendees)
    return t


def talent(center, **fields) -> TalentProfile:
    defaults = {
        "name": f"专家{next(_seq)}",
        "organization_name": "青浦区某社工事务所",
        "expertise": "social_work",
        "years_of_experience": 8,
        "mobile_phone": "13912345678",
    }
    defaults.update(fields)
    return TalentProfile.objects.create(center=center, **defaults)

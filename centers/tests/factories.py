"""Test factories for the centers app (real rows in PostgreSQL; no mocks)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from centers.choices import (
    CenterLevel,
    CenterStatus,
    GovernanceRuleKind,
    IncomeSource,
    MeetingBody,
    OrganizationKind,
    OrganizationStatus,
    PlanKind,
    SupervisingUnitKind,
)
from centers.codes import make_credit_code
from centers.models import (
    AnnualPlan,
    ArchiveInventory,
    BankAccount,
    BoardMember,
    District,
    GovernanceRule,
    IncomeLine,
    Meeting,
    RatingRecord,
    SealCustodian,
    ServiceCenter,
    SocialOrganization,
    StreetTown,
    SupervisingUnit,
    Supervisor,
    Venue,
)
from centers.rules import add_years

_serial = itertools.count(9_000_000)


def district() -> District:
    """The installation's district (Qingpu's after migrate; another when a test loads its file)."""
    from centers.selectors import current_district

    return current_district()


def street_town(name: str = "朱家角镇") -> StreetTown:
    return StreetTown.objects.get(name=name)


def center_for(name: str = "朱家角镇", **fields) -> ServiceCenter:
    """The street/town center of ``name`` (created if missing)."""
    st = street_town(name)
    center, _ = ServiceCenter.objects.get_or_create(
        level=CenterLevel.STREET_TOWN,
        street_town=st,
        defaults={
            "district": st.district,
            "name": f"{st.district.name}{name}社会组织服务中心",
            "supervising_unit": st.supervising_unit,
            "status": CenterStatus.OPERATING,
            "established_on": date(2015, 3, 1),
        },
    )
    if fields:
        ServiceCenter.objects.filter(pk=center.pk).update(**fields)
        center.refresh_from_db()
    return center


def district_center(**fields) -> ServiceCenter:
    d = district()
    center, _ = ServiceCenter.objects.get_or_create(
        level=CenterLevel.DISTRICT,
        district=d,
        defaults={
            "name": f"{d.name}社会组织服务中心",
            "supervising_unit": SupervisingUnit.objects.get(district=d, kind=SupervisingUnitKind.BUREAU),
            "established_on": date(2014, 6, 1),
        },
    )
    if fields:
        ServiceCenter.objects.filter(pk=center.pk).update(**fields)
        center.refresh_from_db()
    return center


def industry_center(industry: str = "教育", **fields) -> ServiceCenter:
    d = district()
    unit, _ = SupervisingUnit.objects.get_or_create(
        district=d, name=f"{d.name}{industry}局", defaults={"kind": SupervisingUnitKind.INDUSTRY_AUTHORITY}
    )
    return ServiceCenter.objects.create(
        district=d,
        level=CenterLevel.INDUSTRY,
        name=f"{d.name}{industry}行业社会组织服务中心",
        industry=industry,
        supervising_unit=unit,
        established_on=date(2016, 1, 1),
        **fields,
    )


def organizations(
    count: int, *, street_town_obj=None, industry: str = "", registered_on=date(2020, 1, 1), **extra
):
    d = district()
    rows = []
    for _ in range(count):
        serial = next(_serial)
        rows.append(
            SocialOrganization(
                district=d,
                name=f"测试社会组织{serial}",
                credit_code=make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, serial),
                kind=OrganizationKind.PRIVATE_NON_ENTERPRISE,
                registered_on=registered_on,
                street_town=street_town_obj,
                industry=industry,
                status=extra.get("status", OrganizationStatus.ACTIVE),
                deregistered_on=extra.get("deregistered_on"),
                party_status=extra.get("party_status", ""),
                party_status_on=extra.get("party_status_on"),
            )
        )
    return SocialOrganization.objects.bulk_create(rows)


def full_registers(center: ServiceCenter, year: int, *, area=Decimal("260")) -> None:
    """Registers that meet every non-staffing rule for ``year``."""
    ServiceCenter.objects.filter(pk=center.pk).update(
        credit_code=make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, next(_serial)),
        registered_on=date(2015, 3, 1),
        director_under_board=True,
        party_organization="中共某服务中心支部委员会",
    )
    center.refresh_from_db()
    Venue.objects.create(
        center=center,
        year=year,
        address="青浦区某路 1 号",
        area=area,
        is_independent=True,
        has_computers=True,
        has_network=True,
        has_office_equipment=True,
        has_incubation_park=True,
    )
    BankAccount.objects.create(
        center=center,
        bank_name="上海农商银行",
        account_number="31990012345678",
        is_independent=True,
        npo_accounting=True,
    )
    IncomeLine.objects.create(
        center=center, year=year, source=IncomeSource.GOVERNMENT_FUNDING, amount=Decimal("500000")
    )
    IncomeLine.objects.create(
        center=center, year=year, source=IncomeSource.CAPACITY_TRAINING, amount=Decimal("20000")
    )
    BoardMember.objects.create(center=center, name="王理事", role="chair", term_start=date(2015, 3, 1))
    Supervisor.objects.create(center=center, name="李监事", role="chief", term_start=date(2015, 3, 1))
    for kind in GovernanceRuleKind:
        GovernanceRule.objects.create(center=center, kind=kind, title=kind.label, adopted_on=date(2016, 1, 1))
    Meeting.objects.create(center=center, body=MeetingBody.BOARD, held_on=date(year, 3, 1))
    SealCustodian.objects.create(center=center, name="张保管", since=date(2016, 1, 1))
    ArchiveInventory.objects.create(center=center, year=year, volumes=40, is_complete=True)
    for kind in PlanKind:
        AnnualPlan.objects.create(center=center, year=year, kind=kind, title=kind.label)


def rating(center=None, *, grade=3, rated_on=date(2022, 5, 1), organization=None) -> RatingRecord:
    return RatingRecord.objects.create(
        center=center,
        organization=organization,
        grade=grade,
        rated_on=rated_on,
        valid_until=add_years(rated_on, 5),
    )

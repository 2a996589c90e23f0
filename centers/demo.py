"""Demo data: the district center, one center per street/town, a few industry centers, their registers,
and several hundred social organizations with valid credit codes — so that the district overview shows
a realistic mix of rules met and not met. Deterministic and idempotent (a second run changes nothing).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .choices import (
    BoardRole,
    CenterLevel,
    CenterStatus,
    GovernanceRuleKind,
    IncomeSource,
    MeetingBody,
    OrganizationKind,
    OrganizationStatus,
    PartyStatus,
    PlanKind,
    SupervisingUnitKind,
    SupervisorRole,
)
from .codes import make_credit_code
from .models import (
    AnnualPlan,
    ArchiveInventory,
    BankAccount,
    BoardMember,
    District,
    GovernanceRule,
    HandOver,
    IncomeLine,
    Meeting,
    PurchaseContract,
    RatingRecord,
    SealCustodian,
    ServiceCenter,
    SocialOrganization,
    StreetTown,
    SupervisingUnit,
    Supervisor,
    Venue,
)
from .rules import add_years
from .selectors import current_district

# Social organizations per street/town (a plausible spread; 徐泾 and 夏阳 are the most populous).
ORGANIZATIONS_PER_STREET_TOWN = {
    "夏阳街道": 72,
    "盈浦街道": 58,
    "香花桥街道": 47,
    "朱家角镇": 63,
    "练塘镇": 29,
    "金泽镇": 36,
    "赵巷镇": 41,
    "徐泾镇": 89,
    "华新镇": 44,
    "重固镇": 17,
    "白鹤镇": 25,
}
INDUSTRIES = {"教育": ("青浦区教育局", 28), "体育": ("青浦区体育局", 16)}
PREFIXES = [
    "阳光",
    "乐龄",
    "彩虹",
    "同心",
    "和美",
    "启航",
    "绿洲",
    "馨悦",
    "睦邻",
    "春晖",
    "益家",
    "银铃",
    "青禾",
    "水乡",
    "淀湖",
    "晨曦",
    "暖心",
    "知行",
    "善邻",
    "安康",
]
TOPICS = [
    ("志愿者协会", OrganizationKind.SOCIAL_GROUP),
    ("老年协会", OrganizationKind.SOCIAL_GROUP),
    ("书画协会", OrganizationKind.SOCIAL_GROUP),
    ("文化艺术促进会", OrganizationKind.SOCIAL_GROUP),
    ("体育健身协会", OrganizationKind.SOCIAL_GROUP),
    ("社区服务社", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("助老服务中心", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("青少年服务中心", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("心理咨询服务中心", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("社会工作服务社", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("职业技能培训学校", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("养老院", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("环保公益服务社", OrganizationKind.PRIVATE_NON_ENTERPRISE),
    ("慈善基金会", OrganizationKind.FOUNDATION),
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# The demo data set is written for Qingpu (its towns, its directors, its organizations' names):
# seed_demo loads it only into a portal serving that district (core/management/commands/seed_demo.py).
DEMO_DISTRICT_CODE = "310118"
DEMO_DISTRICT_NAME = "青浦区"


def seed(*, stdout, password):
    district = current_district()
    bureau = SupervisingUnit.objects.get(district=district, kind=SupervisingUnitKind.BUREAU)
    ServiceCenter.objects.get_or_create(
        district=district,
        level=CenterLevel.DISTRICT,
        name="青浦区社会组织服务中心",
        defaults={
            "supervising_unit": bureau,
            "status": CenterStatus.OPERATING,
            "established_on": date(2014, 6, 1),
        },
    )
    for street_town in StreetTown.objects.filter(district=district):
        ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=street_town,
            defaults={
                "name": f"青浦区{street_town.name}社会组织服务中心",
                "supervising_unit": street_town.supervising_unit,
                "status": CenterStatus.OPERATING,
                "established_on": date(2015, 3, 1),
            },
        )
    for industry, (unit_name, _) in INDUSTRIES.items():
        unit, _ = SupervisingUnit.objects.get_or_create(
            district=district, name=unit_name, defaults={"kind": SupervisingUnitKind.INDUSTRY_AUTHORITY}
        )
        ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.INDUSTRY,
            industry=industry,
            defaults={
                "name": f"青浦区{industry}行业社会组织服务中心",
                "supervising_unit": unit,
                "status": CenterStatus.OPERATING,
                "established_on": date(2017, 9, 1)
                if industry == "教育"
                else add_years(timezone.localdate(), -1),
            },
        )
    level_order = {CenterLevel.DISTRICT: 0, CenterLevel.STREET_TOWN: 1, CenterLevel.INDUSTRY: 2}
    centers = sorted(
        ServiceCenter.objects.filter(district=district).select_related("street_town", "supervising_unit"),
        key=lambda c: (level_order[c.level], c.street_town.sort_order if c.street_town_id else 0, c.pk),
    )
    for index, center in enumerate(centers):
        _seed_registers(center, index)
    created = _seed_organizations(district)
    _seed_party_status(district)
    stdout.write(
        f"  服务中心：{len(centers)} 个；社会组织：{SocialOrganization.objects.filter(district=district).count()} 家"
        f"（本次新增 {created} 家）"
    )


# Per-center profiles: which shortfalls each demo center has, so the overview shows a mix.
# Index in (level, pk) order: 0 district, 1–11 streets/towns, then industry centers.
SHORTFALLS = {
    0: set(),
    1: {"small_venue"},
    2: set(),
    3: {"no_network", "rating_expired"},
    4: set(),  # 朱家角镇 (by reference order): complete registers
    5: {"no_independent_account", "missing_rules"},
    6: {"rating_2a"},
    7: set(),
    8: {"no_plans", "small_venue"},
    9: {"no_inventory"},
    10: {"missing_rules"},
    11: {"no_registers"},
    12: set(),
    13: {"rating_none"},
}


# The directors of the demo accounts (accounts/demo.py) are their centers' registered directors.
DEMO_DIRECTORS = {"朱家角镇": "陈洁", "金泽镇": "李强"}


def _seed_registers(center: ServiceCenter, index: int) -> None:
    if center.credit_code:
        return  # already seeded (idempotent)
    rng = random.Random(f"center-{center.name}")
    faults = SHORTFALLS.get(index, set())
    today = timezone.localdate()
    year = today.year
    director = DEMO_DIRECTORS.get(center.street_town.name if center.street_town_id else "", _person(rng))
    center.credit_code = make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 7_000_000 + index)
    center.registered_on = center.established_on
    center.legal_representative = director
    center.director_name = director
    center.director_under_board = "no_registers" not in faults
    center.address = (
        f"上海市青浦区{center.street_town.name if center.street_town_id else '公园路'}{rng.randint(1, 999)}号"
    )
    center.phone = f"021-{rng.randint(59000000, 69999999)}"
    center.email = f"center{index}@example.org.cn"
    if center.level == CenterLevel.STREET_TOWN and "no_registers" not in faults:
        center.party_organization = f"中共{center.name}支部委员会"
    center.save()
    if "no_registers" in faults:
        return
    for y in (year - 1, year):
        area = (
            Decimal(rng.choice(("168.50", "185.00", "196.00")))
            if "small_venue" in faults
            else Decimal(rng.choice(("210.00", "236.50", "260.00", "320.00", "480.00")))
        )
        Venue.objects.create(
            center=center,
            year=y,
            address=center.address,
            area=area,
            is_independent=True,
            has_computers=True,
            has_network="no_network" not in faults,
            has_office_equipment=True,
            has_incubation_park=center.level == CenterLevel.STREET_TOWN and index % 3 == 0,
            has_practice_park=center.level == CenterLevel.STREET_TOWN and index % 4 == 0,
            has_community_life_center=center.level == CenterLevel.STREET_TOWN and index % 5 == 0,
        )
    BankAccount.objects.create(
        center=center,
        bank_name=rng.choice(("上海农商银行青浦支行", "中国工商银行青浦支行", "中国建设银行青浦支行")),
        account_number=f"3199{rng.randint(10**11, 10**12 - 1)}",
        is_independent="no_independent_account" not in faults,
        npo_accounting=True,
        opened_on=center.established_on + timedelta(days=30),
    )
    for y in (year - 1, year):
        contract = PurchaseContract.objects.create(
            center=center,
            purchaser=str(center.supervising_unit),
            title=f"{y} 年社会组织培育发展服务项目",
            amount=Decimal(rng.randrange(300_000, 900_000, 10_000)),
            starts_on=date(y, 1, 1),
            ends_on=date(y, 12, 31),
        )
        IncomeLine.objects.create(
            center=center,
            year=y,
            source=IncomeSource.PURCHASED_SERVICE,
            amount=contract.amount,
            contract=contract,
        )
        IncomeLine.objects.create(
            center=center,
            year=y,
            source=IncomeSource.GOVERNMENT_FUNDING,
            amount=Decimal(rng.randrange(100_000, 400_000, 10_000)),
        )
        for source in rng.sample(
            [IncomeSource.AGENCY_BOOKKEEPING, IncomeSource.CAPACITY_TRAINING, IncomeSource.CONSULTING], 2
        ):
            IncomeLine.objects.create(
                center=center, year=y, source=source, amount=Decimal(rng.randrange(5_000, 60_000, 500))
            )
    start = center.established_on
    BoardMember.objects.create(center=center, name=_person(rng), role=BoardRole.CHAIR, term_start=start)
    for _ in range(4):
        BoardMember.objects.create(center=center, name=_person(rng), role=BoardRole.MEMBER, term_start=start)
    Supervisor.objects.create(center=center, name=_person(rng), role=SupervisorRole.CHIEF, term_start=start)
    kinds = list(GovernanceRuleKind)
    if "missing_rules" in faults:
        kinds = [k for k in kinds if k not in (GovernanceRuleKind.PERSONNEL, GovernanceRuleKind.SEAL_USE)]
    for kind in kinds:
        GovernanceRule.objects.create(
            center=center,
            kind=kind,
            title=f"{center.name}{kind.label}",
            adopted_on=start + timedelta(days=60),
        )
    for y in (year - 1, year):
        for month in (3, 9):
            held = date(y, month, 15)
            if held <= today:
                Meeting.objects.create(
                    center=center, body=MeetingBody.BOARD, held_on=held, topic="审议年度工作计划与预算"
                )
        if date(y, 6, 20) <= today:
            Meeting.objects.create(
                center=center, body=MeetingBody.SUPERVISORS, held_on=date(y, 6, 20), topic="财务监督"
            )
    keeper = _person(rng)
    SealCustodian.objects.create(center=center, name=keeper, since=start + timedelta(days=10))
    HandOver.objects.create(
        center=center,
        handed_on=start + timedelta(days=10),
        from_person=director,
        to_person=keeper,
        items="公章、财务专用章",
    )
    for y in (year - 1, year):
        if not ("no_inventory" in faults and y == year):
            ArchiveInventory.objects.create(
                center=center, year=y, volumes=rng.randint(20, 90), is_complete=True
            )
        if not ("no_plans" in faults and y == year):
            for kind in PlanKind:
                AnnualPlan.objects.create(center=center, year=y, kind=kind, title=f"{y} 年{kind.label}")
    if "rating_none" in faults:
        return
    if "rating_expired" in faults:
        rated_on, grade = date(year - 6, 11, 20), 4
    elif "rating_2a" in faults:
        rated_on, grade = date(year - 2, 11, 20), 2
    else:
        rated_on, grade = date(year - rng.randint(1, 4), 11, 20), rng.choice((3, 4, 4, 5))
    if rated_on >= add_years(center.established_on, 1):
        RatingRecord.objects.create(
            center=center, grade=grade, rated_on=rated_on, valid_until=add_years(rated_on, 5)
        )


def organization_rows(district: District, street_towns: list[StreetTown]):
    """The demo organizations as (SocialOrganization, rating or None), drawn from a fixed seed."""
    rng = random.Random("qingpu-organizations")
    today = timezone.localdate()
    by_name = {st.name: st for st in street_towns}
    plans = [
        (by_name[name], None, count)
        for name, count in ORGANIZATIONS_PER_STREET_TOWN.items()
        if name in by_name
    ]
    plans += [(None, industry, count) for industry, (_, count) in INDUSTRIES.items()]
    serial = 5_000_000
    first_day = date(2005, 1, 1)
    for street_town, industry, count in plans:
        area = street_town.name if street_town else industry
        combos = [(p, t) for p in PREFIXES for t in TOPICS]
        rng.shuffle(combos)
        for prefix, (topic, kind) in combos[:count]:
            serial += 1
            registered = first_day + timedelta(days=rng.randint(0, (today - first_day).days - 30))
            deregistered = None
            if rng.random() < 0.05:
                deregistered = registered + timedelta(days=rng.randint(200, 2000))
                if deregistered >= today:
                    deregistered = None
            grade = rng.choice((2, 3, 3, 4, 4, 5)) if rng.random() < 0.18 else None
            rated_on = min(
                add_years(registered, 2) + timedelta(days=rng.randint(0, 900)), today - timedelta(days=1)
            )
            org = SocialOrganization(
                district=district,
                name=f"青浦区{area}{prefix}{topic}",
                credit_code=make_credit_code(kind, serial),
                kind=kind,
                registered_on=registered,
                street_town=street_town,
                industry=industry or "",
                status=OrganizationStatus.DEREGISTERED if deregistered else OrganizationStatus.ACTIVE,
                deregistered_on=deregistered,
            )
            yield org, ((grade, rated_on) if grade and not deregistered else None)


def _seed_organizations(district: District) -> int:
    existing = set(SocialOrganization.objects.values_list("credit_code", flat=True))
    street_towns = list(StreetTown.objects.filter(district=district))
    new, ratings = [], []
    for org, rating in organization_rows(district, street_towns):
        if org.credit_code in existing:
            continue
        new.append(org)
        if rating:
            ratings.append((org.credit_code, *rating))
    if new:
        bulk_create_with_history(new, SocialOrganization, batch_size=1000)
        ids = dict(
            SocialOrganization.objects.filter(credit_code__in=[c for c, _, _ in ratings]).values_list(
                "credit_code", "pk"
            )
        )
        bulk_create_with_history(
            [
                RatingRecord(organization_id=ids[c], grade=g, rated_on=r, valid_until=add_years(r, 5))
                for c, g, r in ratings
                if c in ids
            ],
            RatingRecord,
            batch_size=1000,
        )
    return len(new)


# Share of each area's organizations active at the end of 2025 that party work covers (R-PARTY-1):
# 金泽镇, 盈浦街道 and 重固镇 reach full coverage; 朱家角镇 stands at about 83 %.
PARTY_COVERAGE = {
    "夏阳街道": Decimal("0.90"),
    "盈浦街道": Decimal("1"),
    "香花桥街道": Decimal("0.87"),
    "朱家角镇": Decimal("0.83"),
    "练塘镇": Decimal("0.93"),
    "金泽镇": Decimal("1"),
    "赵巷镇": Decimal("0.95"),
    "徐泾镇": Decimal("0.80"),
    "华新镇": Decimal("0.91"),
    "重固镇": Decimal("1"),
    "白鹤镇": Decimal("0.88"),
    "教育": Decimal("0.90"),
    "体育": Decimal("0.75"),
}
PARTY_REFERENCE_DAY = date(2025, 12, 31)


def _seed_party_status(district: District) -> None:
    """Each demo organization's party-organization status, only where none is recorded yet: in every
    area the first share (by credit code) of the organizations active at the end of 2025 is covered —
    单独组建, 联合组建 or 党建指导员覆盖, dated after registration and before December 2025 — the others
    未覆盖; organizations registered later get a status dated on registration."""
    from .rules import active_organizations_q

    today = timezone.localdate()
    organizations = list(
        SocialOrganization.objects.filter(district=district, party_status="")
        .select_related("street_town")
        .order_by("credit_code")
    )
    if not organizations:
        return
    active = set(
        SocialOrganization.objects.filter(district=district)
        .filter(active_organizations_q(PARTY_REFERENCE_DAY))
        .values_list("pk", flat=True)
    )
    by_area: dict[str, list] = {}
    for org in organizations:
        by_area.setdefault(org.street_town.name if org.street_town_id else org.industry, []).append(org)
    kinds = [PartyStatus.JOINT, PartyStatus.STANDALONE, PartyStatus.JOINT, PartyStatus.INSTRUCTOR]
    changed = []
    for area, orgs in by_area.items():
        share = PARTY_COVERAGE.get(area, Decimal("0.9"))
        counted = [o for o in orgs if o.pk in active]
        covered = {o.pk for o in counted[: int((share * len(counted)).to_integral_value())]}
        for org in orgs:
            rng = random.Random(f"party:{org.credit_code}")
            if org.pk in active:
                org.party_status = rng.choice(kinds) if org.pk in covered else PartyStatus.NONE
                latest = min(PARTY_REFERENCE_DAY - timedelta(days=31), today)
                span = max((latest - org.registered_on).days, 0)
                org.party_status_on = org.registered_on + timedelta(days=rng.randint(0, span))
            else:
                org.party_status = rng.choice(kinds) if rng.random() < 0.8 else PartyStatus.NONE
                org.party_status_on = min(org.registered_on + timedelta(days=60), today)
            if org.party_status == PartyStatus.NONE:
                org.party_status_on = None
            changed.append(org)
    bulk_update_with_history(
        changed, SocialOrganization, ["party_status", "party_status_on"], batch_size=1000
    )

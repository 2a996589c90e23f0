"""The compliance engine: every center's compliance with 青民〔2016〕45号 三 for a year.

``evaluate_centers(centers, year)`` judges each rule of DOMAIN.md that applies to each center's level
in a constant number of queries (one per register, never one per center); ``evaluate_center`` is the
single-center form; ``evaluate_district`` judges the district-level R-COVER-1.

Readings taken here (also in the README's centers section):
- The reference day of a year is 31 December of it; for the current year (whose 31 December has not
  come) it is today, so that "established two years ago" and "rating still valid" are judged as they
  stand now. One judgement uses one reference day for every rule (staffing and R-EFF-2 alike); an
  evaluation's snapshot passes 31 December of the evaluated year (``evaluate_centers(..., on=)``).
- N (the staffing rules) counts social organizations active on 31 December of the year: registered on
  or before that day and not cancelled before it (a cancellation dated 31 December still counts).
  A district center's area is the whole district, a street/town center's its street/town, an
  industry center's its industry.
- A register the center has not filled in at all gives "no data"; one that is filled in and falls
  short gives "not met". Staffing/pay figures come only from the staffing app's provider
  (``centers.compliance.staffing_figures``); a center it does not answer for is "no data".
- R-VENUE-3 is optional ("有条件的街镇可…"): extras present → met, none → not applicable.
- R-PARTY-1 (street/town): every active organization of the area on 31 December is covered by party
  work — its party status (social-organization registry: 单独组建, 联合组建, 党建指导员覆盖) took effect
  on or before that day. 100 % → met; less → not met with the figures ("辖区 66 家，已覆盖 55 家，
  覆盖率 83.3 %"); no organization with a recorded status → no data; no organization → not applicable.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.selectors import policy_values

from .choices import (
    ARCH_RULE_KINDS,
    GOV_RULE_KINDS,
    GOVERNMENT_SOURCES,
    SERVICE_SOURCES,
    CenterLevel,
    CenterStatus,
    GovernanceRuleKind,
    IncomeSource,
    MeetingBody,
    PlanKind,
    RatingGrade,
)
from .compliance import RuleResult, RuleStatus, StaffingFigures, staffing_figures

# Rules judged by the staffing app (StaffingFigures.findings); "no data" while it has no figures.
STAFFING_FINDING_RULES = ("R-STAFF-4", "R-PAY-1", "R-PAY-2", "R-PAY-3", "R-PAY-4", "R-PAY-5")

RULE_TITLES = {
    "R-STAFF-1": "区级中心专职人员配备",
    "R-STAFF-2": "街镇中心专职人员配备",
    "R-STAFF-3": "行业中心人员配备",
    "R-STAFF-4": "人员类别与法定代表人",
    "R-PAY-1": "专职人员薪酬",
    "R-PAY-2": "兼职人员不领取报酬",
    "R-PAY-3": "劳务人员不低于最低工资",
    "R-PAY-4": "志愿者不领取报酬",
    "R-PAY-5": "返聘人员按协议支付",
    "R-VENUE-1": "办公场所面积与独立性",
    "R-VENUE-2": "办公设备",
    "R-VENUE-3": "孵化园、实践园、社区生活服务中心",
    "R-FUND-1": "经费来源",
    "R-FUND-2": "基本运作经费保障",
    "R-FUND-3": "独立账户与会计制度",
    "R-GOV-1": "独立法人与主任负责制",
    "R-GOV-2": "理事会、监事与内部制度",
    "R-ARCH-1": "档案与印章制度",
    "R-ARCH-2": "档案齐全、移交有记录、专人管章",
    "R-EFF-1": "工作规划与实施计划",
    "R-EFF-2": "等级评估 3A 及以上",
    "R-PARTY-1": "党建全覆盖",
    "R-COVER-1": "街镇服务中心全覆盖",
}


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule, rule)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def reference_day(year: int) -> date:
    """31 December of ``year``, or today while that day has not come."""
    return min(year_end(year), timezone.localdate())


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def _int(value) -> int:
    return int(Decimal(value))


def _yuan(amount) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01')):,}"


# ---- the facts, loaded in bulk ---------------------------------------------------------------------


def active_organizations_q(on: date, prefix: str = "") -> Q:
    """Social organizations active on ``on``: registered on or before, not cancelled before."""
    from .choices import OrganizationStatus

    return Q(**{f"{prefix}registered_on__lte": on}) & (
        Q(**{f"{prefix}deregistered_on__gte": on})
        | (
            Q(**{f"{prefix}deregistered_on__isnull": True})
            & Q(**{f"{prefix}status": OrganizationStatus.ACTIVE})
        )
    )


@dataclass(frozen=True)
class PartyCoverage:
    """党组织覆盖 of a center's area on a day: N active organizations, how many are covered."""

    n: int
    covered: int
    recorded: int  # organizations whose status is recorded at all (0: the register is empty)
    by_status: dict = field(default_factory=dict)  # PartyStatus value → organizations

    @property
    def percent(self) -> Decimal | None:
        """Covered ÷ N in per cent, one decimal (half up); None without organizations."""
        if not self.n:
            return None
        return (Decimal(self.covered) * 100 / self.n).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def as_dict(self) -> dict:
        percent = self.percent
        return {
            "n": self.n,
            "covered": self.covered,
            "recorded": self.recorded,
            "percent": str(percent) if percent is not None else None,
            "by_status": dict(self.by_status),
        }


def _area_counts(centers: list, on: date) -> dict[int, PartyCoverage]:
    """N and party coverage for each center (by id), in one query for all of them.

    An organization counts as covered on ``on`` when its recorded status is a covered one that took
    effect on or before ``on`` (one covered later does not count for that day)."""
    from .choices import COVERED_PARTY_STATUSES, PartyStatus
    from .models import SocialOrganization

    whole_districts = {c.district_id for c in centers if c.level == CenterLevel.DISTRICT}
    area = Q(district_id__in=whole_districts)
    street_town_ids = {
        c.street_town_id for c in centers if c.level == CenterLevel.STREET_TOWN and c.street_town_id
    }
    industries = {c.industry for c in centers if c.level == CenterLevel.INDUSTRY and c.industry}
    if street_town_ids:
        area |= Q(street_town_id__in=street_town_ids)
    if industries:
        area |= Q(industry__in=industries, district_id__in={c.district_id for c in centers})
    in_effect = Q(party_status_on__isnull=True) | Q(party_status_on__lte=on)
    rows = (
        SocialOrganization.objects.filter(active_organizations_q(on))
        .filter(area)
        .values("district_id", "street_town_id", "industry")
        .annotate(
            n=Count("pk"),
            recorded=Count("pk", filter=~Q(party_status="")),
            **{
                f"s_{status.value}": Count(
                    "pk",
                    filter=Q(party_status=status)
                    & (Q(party_status_on__lte=on) if status in COVERED_PARTY_STATUSES else in_effect),
                )
                for status in PartyStatus
            },
        )
        .order_by()
    )
    statuses = [s.value for s in PartyStatus]
    covered_statuses = {s.value for s in COVERED_PARTY_STATUSES}

    def empty():
        return {"n": 0, "recorded": 0, **dict.fromkeys(statuses, 0)}

    by_district: dict = defaultdict(empty)
    by_street_town: dict = defaultdict(empty)
    by_industry: dict = defaultdict(empty)
    for row in rows:
        targets = [by_district[row["district_id"]]]
        if row["street_town_id"]:
            targets.append(by_street_town[row["street_town_id"]])
        if row["industry"]:
            targets.append(by_industry[(row["district_id"], row["industry"])])
        for target in targets:
            target["n"] += row["n"]
            target["recorded"] += row["recorded"]
            for status in statuses:
                target[status] += row[f"s_{status}"]
    coverage = {}
    for center in centers:
        if center.level == CenterLevel.DISTRICT:
            counts = by_district[center.district_id]
        elif center.level == CenterLevel.STREET_TOWN and center.street_town_id:
            counts = by_street_town[center.street_town_id]
        elif center.level == CenterLevel.INDUSTRY and center.industry:
            counts = by_industry[(center.district_id, center.industry)]
        else:
            counts = empty()
        coverage[center.pk] = PartyCoverage(
            n=counts["n"],
            covered=sum(counts[s] for s in covered_statuses),
            recorded=counts["recorded"],
            by_status={s: counts[s] for s in statuses},
        )
    return coverage


def organization_counts(centers: list, on: date) -> dict[int, int]:
    """N for each center (by id), in one query for all of them."""
    return {pk: coverage.n for pk, coverage in _area_counts(centers, on).items()}


def party_coverage(centers: list, on: date) -> dict[int, PartyCoverage]:
    """党组织覆盖 of each center's area on ``on`` (by center id), in one query for all of them."""
    return _area_counts(list(centers), on)


def _by_center(queryset) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in queryset:
        grouped[row.center_id].append(row)
    return grouped


class _Facts:
    """Every register row the rules need for ``centers`` and ``year``: one query per register — or,
    for one center whose page has already read its registers (``rows``: ``center_registers``' lists),
    those rows filtered here the same way (``_rows_from_page``), so the page reads each table once."""

    def __init__(self, centers: list, year: int, on: date | None = None, rows: dict | None = None):
        ids = [c.pk for c in centers]
        # One reference day for every rule of this judgement (staffing, N, registers, ratings alike).
        end = on or reference_day(year)
        self.year = year
        self.end = end
        self.ref = end
        self.policy = policy_values()
        self.coverage = party_coverage(centers, end)
        self.n = {pk: coverage.n for pk, coverage in self.coverage.items()}
        self.staffing: dict[int, StaffingFigures] = staffing_figures(centers, end)
        if rows is None:
            read = _rows_from_tables(ids, year, end)
        else:
            assert len(ids) == 1, "a page's register rows are one center's"
            read = _rows_from_page(rows, year, end)
        # The venue of the year, else the latest earlier one.
        self.venue = {}
        for venue in read["venues"]:
            self.venue.setdefault(venue.center_id, venue)
        self.accounts = _by_center(read["accounts"])
        self.income: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for center_id, source, total in read["income"]:
            self.income[center_id][source] = total
        self.board = _by_center(read["board"])
        self.supervisors = _by_center(read["supervisors"])
        self.rules: dict[int, dict[str, object]] = defaultdict(dict)
        for rule in read["rules"]:
            self.rules[rule.center_id][rule.kind] = rule
        self.meetings: dict[int, dict[str, int]] = defaultdict(dict)
        for center_id, body, n in read["meetings"]:
            self.meetings[center_id][body] = n
        self.custodians = _by_center(read["custodians"])
        self.hand_overs: dict[int, int] = dict(read["hand_overs"])
        self.inventory = {inv.center_id: inv for inv in read["inventory"]}
        self.plans: dict[int, set[str]] = defaultdict(set)
        for center_id, kind in read["plans"]:
            self.plans[center_id].add(kind)
        self.ratings = _by_center(read["ratings"])


def _rows_from_tables(ids: list[int], year: int, end: date) -> dict:
    """What the rules read, from the tables (every center of ``ids`` at once)."""
    from .models import (
        AnnualPlan,
        ArchiveInventory,
        BankAccount,
        BoardMember,
        GovernanceRule,
        HandOver,
        IncomeLine,
        Meeting,
        RatingRecord,
        SealCustodian,
        Supervisor,
        Venue,
    )

    return {
        "venues": Venue.objects.filter(center_id__in=ids, year__lte=year).order_by("center_id", "-year"),
        "accounts": BankAccount.objects.filter(center_id__in=ids).filter(
            Q(opened_on__isnull=True) | Q(opened_on__lte=end)
        ),
        "income": IncomeLine.objects.filter(center_id__in=ids, year=year)
        .values("center_id", "source")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("center_id", "source", "total"),
        "board": BoardMember.objects.filter(center_id__in=ids),
        "supervisors": Supervisor.objects.filter(center_id__in=ids),
        "rules": GovernanceRule.objects.filter(center_id__in=ids, adopted_on__lte=end).order_by(
            "adopted_on", "pk"
        ),
        "meetings": Meeting.objects.filter(center_id__in=ids, held_on__year=year)
        .values("center_id", "body")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("center_id", "body", "n"),
        "custodians": SealCustodian.objects.filter(center_id__in=ids, since__lte=end),
        "hand_overs": HandOver.objects.filter(center_id__in=ids, handed_on__year=year)
        .values_list("center_id")
        .annotate(n=Count("pk"))
        .order_by(),
        "inventory": ArchiveInventory.objects.filter(center_id__in=ids, year=year),
        "plans": AnnualPlan.objects.filter(center_id__in=ids, year=year).values_list("center_id", "kind"),
        "ratings": RatingRecord.objects.filter(center_id__in=ids, rated_on__lte=end).order_by(
            "-rated_on", "pk"
        ),
    }


def _rows_from_page(rows: dict, year: int, end: date) -> dict:
    """The same as ``_rows_from_tables``, filtered from one center's page rows (``center_registers``:
    every row of each register in its model's order, the year's meetings and hand-overs). Each filter
    is the query's beside it; ``centers/tests/test_center_page_compliance.py`` holds them equal."""

    def counted(items, key):
        counts: dict = defaultdict(int)
        for item in items:
            counts[key(item)] += 1
        return counts

    income: dict = defaultdict(Decimal)
    for line in rows["income_lines"]:
        if line.year == year:
            income[(line.center_id, line.source)] += line.amount
    meetings = counted(
        (m for m in rows["meetings"] if m.held_on.year == year), lambda m: (m.center_id, m.body)
    )
    hand_overs = counted((h for h in rows["hand_overs"] if h.handed_on.year == year), lambda h: h.center_id)
    return {
        "venues": sorted((v for v in rows["venues"] if v.year <= year), key=lambda v: -v.year),
        "accounts": [a for a in rows["bank_accounts"] if a.opened_on is None or a.opened_on <= end],
        "income": [(center_id, source, total) for (center_id, source), total in income.items()],
        "board": rows["board_members"],
        "supervisors": rows["supervisors"],
        "rules": sorted(
            (r for r in rows["governance_rules"] if r.adopted_on <= end), key=lambda r: (r.adopted_on, r.pk)
        ),
        "meetings": [(center_id, body, n) for (center_id, body), n in meetings.items()],
        "custodians": [c for c in rows["seal_custodians"] if c.since <= end],
        "hand_overs": list(hand_overs.items()),
        "inventory": [i for i in rows["archive_inventories"] if i.year == year],
        "plans": [(p.center_id, p.kind) for p in rows["plans"] if p.year == year],
        "ratings": [r for r in rows["ratings"] if r.rated_on <= end],
    }


# ---- the rules --------------------------------------------------------------------------------------


def required_full_time(level: str, n: int, policy: dict) -> int | None:
    """Full-time staff the policy requires for ``n`` social organizations: district ⌈n / ratio⌉
    (R-STAFF-1), street/town max(minimum, ⌈n / ratio⌉) (R-STAFF-2), industry none (R-STAFF-3).
    The one place this formula lives; ``policy`` is core.selectors.policy_values()."""
    if level == CenterLevel.DISTRICT:
        return math.ceil(n / _int(policy["district_staff_ratio"]))
    if level == CenterLevel.STREET_TOWN:
        return max(
            _int(policy["street_town_staff_minimum"]), math.ceil(n / _int(policy["street_town_staff_ratio"]))
        )
    return None


def _staff_rules(center, facts: _Facts) -> list[RuleResult]:
    n = facts.n[center.pk]
    figures = facts.staffing.get(center.pk)
    policy = facts.policy
    results = []
    required = required_full_time(center.level, n, policy)
    if center.level == CenterLevel.DISTRICT:
        rule, area = "R-STAFF-1", "全区"
        basis = {"n": n, "ratio": _int(policy["district_staff_ratio"]), "required": required}
    elif center.level == CenterLevel.STREET_TOWN:
        rule, area = "R-STAFF-2", "辖区"
        basis = {
            "n": n,
            "ratio": _int(policy["street_town_staff_ratio"]),
            "minimum": _int(policy["street_town_staff_minimum"]),
            "required": required,
        }
    else:
        rule, area, required = "R-STAFF-3", "本行业", None
        basis = {"n": n}
    if figures is None:
        results.append(
            RuleResult(
                rule,
                RuleStatus.NO_DATA,
                f"{area}社会组织 {n} 家"
                + (f"，应配专职人员 {required} 名" if required is not None else "")
                + "；尚无人员名册数据，无法判断。",
                basis,
            )
        )
        results.extend(
            RuleResult(r, RuleStatus.NO_DATA, "尚无人员名册数据，无法判断。", {})
            for r in STAFFING_FINDING_RULES
        )
        return results
    has = figures.full_time
    counts = {
        **basis,
        "full_time": has,
        "part_time": figures.part_time,
        "labor": figures.labor,
        "rehired": figures.rehired,
        "volunteers": figures.volunteers,
    }
    if required is None:
        results.append(
            RuleResult(
                rule,
                RuleStatus.NOT_APPLICABLE,
                f"{area}社会组织 {n} 家，实有专职人员 {has} 名、兼职 {figures.part_time} 名、"
                f"劳务 {figures.labor} 名、志愿者 {figures.volunteers} 名（行业中心按需配备，不设固定比例）。",
                counts,
            )
        )
    else:
        status = RuleStatus.MET if has >= required else RuleStatus.NOT_MET
        detail = f"{area}社会组织 {n} 家，应配专职人员 {required} 名，实有 {has} 名"
        if status == RuleStatus.NOT_MET:
            detail += f"，缺 {required - has} 名"
        results.append(RuleResult(rule, status, detail, counts))
    found = {f.rule for f in figures.findings}
    results.extend(figures.findings)
    results.extend(
        RuleResult(r, RuleStatus.NO_DATA, "人员名册中没有可据以判断的数据。", {})
        for r in STAFFING_FINDING_RULES
        if r not in found
    )
    return results


def _venue_rules(center, facts: _Facts) -> list[RuleResult]:
    venue = facts.venue.get(center.pk)
    min_area = facts.policy["venue_min_area"]
    results = []
    if venue is None:
        results.append(RuleResult("R-VENUE-1", RuleStatus.NO_DATA, f"未登记 {facts.year} 年办公场地。", {}))
        results.append(RuleResult("R-VENUE-2", RuleStatus.NO_DATA, f"未登记 {facts.year} 年办公场地。", {}))
    else:
        figures = {
            "area": str(venue.area),
            "min_area": str(min_area),
            "is_independent": venue.is_independent,
            "venue_year": venue.year,
        }
        ok_area = venue.area >= min_area
        met = ok_area and venue.is_independent
        detail = f"办公场所面积 {venue.area.normalize():f} 平方米（应不少于 {min_area.normalize():f} 平方米）"
        detail += "，相对独立" if venue.is_independent else "，非独立场所"
        if venue.year != facts.year:
            detail += f"（沿用 {venue.year} 年登记）"
        results.append(
            RuleResult("R-VENUE-1", RuleStatus.MET if met else RuleStatus.NOT_MET, detail, figures)
        )
        missing = [
            label
            for flag, label in (
                (venue.has_computers, "电脑"),
                (venue.has_network, "网络"),
                (venue.has_office_equipment, "办公设备"),
            )
            if not flag
        ]
        results.append(
            RuleResult(
                "R-VENUE-2",
                RuleStatus.NOT_MET if missing else RuleStatus.MET,
                f"缺少{'、'.join(missing)}。" if missing else "电脑、网络、办公设备齐备。",
                {"missing": missing},
            )
        )
    if center.level == CenterLevel.STREET_TOWN:
        extras = []
        if venue is not None:
            extras = [
                label
                for flag, label in (
                    (venue.has_incubation_park, "社会组织孵化园"),
                    (venue.has_practice_park, "实践园"),
                    (venue.has_community_life_center, "社区生活服务中心"),
                )
                if flag
            ]
        if extras:
            results.append(
                RuleResult("R-VENUE-3", RuleStatus.MET, f"运营{'、'.join(extras)}。", {"extras": extras})
            )
        else:
            results.append(
                RuleResult(
                    "R-VENUE-3",
                    RuleStatus.NOT_APPLICABLE,
                    "未运营孵化园、实践园或社区生活服务中心（政策为“有条件的街镇可筹建”，非强制）。",
                    {"extras": []},
                )
            )
    return results


def _fund_rules(center, facts: _Facts) -> list[RuleResult]:
    income = facts.income.get(center.pk, {})
    results = []
    total = sum(income.values(), Decimal("0"))
    government = sum((income.get(s, Decimal("0")) for s in GOVERNMENT_SOURCES), Decimal("0"))
    services = sum((income.get(s, Decimal("0")) for s in SERVICE_SOURCES), Decimal("0"))
    breakdown = {str(IncomeSource(k).label): str(v) for k, v in income.items()}
    figures = {
        "total": str(total),
        "government": str(government),
        "services": str(services),
        "by_source": breakdown,
    }
    if not income:
        results.append(RuleResult("R-FUND-1", RuleStatus.NO_DATA, f"未登记 {facts.year} 年收入。", {}))
        results.append(RuleResult("R-FUND-2", RuleStatus.NO_DATA, f"未登记 {facts.year} 年收入。", {}))
    else:
        parts = "，".join(f"{str(IncomeSource(k).label)} {_yuan(v)} 元" for k, v in sorted(income.items()))
        met = government > 0
        results.append(
            RuleResult(
                "R-FUND-1",
                RuleStatus.MET if met else RuleStatus.NOT_MET,
                f"{facts.year} 年收入合计 {_yuan(total)} 元：{parts}。"
                + ("" if met else "没有政府资助或政府购买服务收入。"),
                figures,
            )
        )
        staffing = facts.staffing.get(center.pk)
        yearly_pay = (
            staffing.monthly_pay_total * 12 if staffing and staffing.monthly_pay_total is not None else None
        )
        if government <= 0:
            status, detail = RuleStatus.NOT_MET, "基本运作经费没有政府资助或政府购买服务保障。"
        elif yearly_pay is None:
            status = RuleStatus.MET
            detail = f"政府资助与购买服务收入 {_yuan(government)} 元（人员经费无数据，未作比较）。"
        elif government >= yearly_pay:
            status = RuleStatus.MET
            detail = f"政府资助与购买服务收入 {_yuan(government)} 元，覆盖人员经费 {_yuan(yearly_pay)} 元。"
        else:
            status = RuleStatus.NOT_MET
            detail = (
                f"政府资助与购买服务收入 {_yuan(government)} 元，不足以覆盖人员经费 {_yuan(yearly_pay)} 元。"
            )
        results.append(
            RuleResult(
                "R-FUND-2",
                status,
                detail,
                {**figures, "yearly_pay": str(yearly_pay) if yearly_pay is not None else None},
            )
        )
    accounts = [
        a for a in facts.accounts.get(center.pk, []) if a.closed_on is None or a.closed_on > facts.end
    ]
    if not accounts:
        results.append(RuleResult("R-FUND-3", RuleStatus.NO_DATA, "未登记银行账户。", {}))
    else:
        independent = any(a.is_independent for a in accounts)
        npo = any(a.npo_accounting for a in accounts)
        problems = []
        if not independent:
            problems.append("没有独立银行账户")
        if not npo:
            problems.append("未执行《民间非营利组织会计制度》")
        results.append(
            RuleResult(
                "R-FUND-3",
                RuleStatus.NOT_MET if problems else RuleStatus.MET,
                "；".join(problems) + "。"
                if problems
                else "有独立银行账户，执行《民间非营利组织会计制度》。",
                {"independent_account": independent, "npo_accounting": npo},
            )
        )
    return results


def _missing_rules(rules: dict, kinds) -> list[str]:
    return [str(GovernanceRuleKind(k).label) for k in kinds if k not in rules]


def _gov_rules(center, facts: _Facts) -> list[RuleResult]:
    results = []
    legal_person = bool(center.credit_code and center.registered_on)
    problems = []
    if not legal_person:
        problems.append("未登记统一社会信用代码或法人登记日期")
    if not center.director_under_board:
        problems.append("未实行理事会领导下的主任负责制")
    results.append(
        RuleResult(
            "R-GOV-1",
            RuleStatus.NOT_MET if problems else RuleStatus.MET,
            "；".join(problems) + "。"
            if problems
            else f"独立法人（{center.credit_code}），实行理事会领导下的主任负责制。",
            {"legal_person": legal_person, "director_under_board": center.director_under_board},
        )
    )
    board = [m for m in facts.board.get(center.pk, []) if m.serves_on(facts.end)]
    supervisors = [m for m in facts.supervisors.get(center.pk, []) if m.serves_on(facts.end)]
    rules = facts.rules.get(center.pk, {})
    meetings = facts.meetings.get(center.pk, {})
    figures = {
        "board_members": len(board),
        "supervisors": len(supervisors),
        "board_meetings": meetings.get(MeetingBody.BOARD, 0),
        "supervisor_meetings": meetings.get(MeetingBody.SUPERVISORS, 0),
    }
    if not facts.board.get(center.pk) and not facts.supervisors.get(center.pk) and not rules:
        results.append(RuleResult("R-GOV-2", RuleStatus.NO_DATA, "未登记理事会、监事和内部制度。", figures))
    else:
        missing = _missing_rules(rules, GOV_RULE_KINDS)
        problems = []
        if not board:
            problems.append("没有在任理事")
        if not supervisors:
            problems.append("没有在任监事")
        if missing:
            problems.append(f"缺少{'、'.join(missing)}")
        summary = (
            f"理事 {len(board)} 名，监事 {len(supervisors)} 名；{facts.year} 年召开理事会 "
            f"{figures['board_meetings']} 次、监事会 {figures['supervisor_meetings']} 次"
        )
        results.append(
            RuleResult(
                "R-GOV-2",
                RuleStatus.NOT_MET if problems else RuleStatus.MET,
                summary + ("；" + "，".join(problems) + "。" if problems else "；财务、人事、会议制度齐全。"),
                {**figures, "missing_rules": missing},
            )
        )
    return results


def _archive_rules(center, facts: _Facts) -> list[RuleResult]:
    results = []
    rules = facts.rules.get(center.pk, {})
    if not rules:
        results.append(RuleResult("R-ARCH-1", RuleStatus.NO_DATA, "未登记内部制度。", {}))
    else:
        missing = _missing_rules(rules, ARCH_RULE_KINDS)
        results.append(
            RuleResult(
                "R-ARCH-1",
                RuleStatus.NOT_MET if missing else RuleStatus.MET,
                f"缺少{'、'.join(missing)}。" if missing else "档案管理、印章保管、印章使用制度齐全。",
                {"missing_rules": missing},
            )
        )
    inventory = facts.inventory.get(center.pk)
    custodians = [c for c in facts.custodians.get(center.pk, []) if c.until is None or c.until >= facts.ref]
    hand_overs = facts.hand_overs.get(center.pk, 0)
    figures = {
        "inventory": inventory is not None,
        "inventory_complete": bool(inventory and inventory.is_complete),
        "volumes": inventory.volumes if inventory else 0,
        "seal_custodians": [c.name for c in custodians],
        "hand_overs": hand_overs,
    }
    if inventory is None and not facts.custodians.get(center.pk):
        results.append(
            RuleResult(
                "R-ARCH-2", RuleStatus.NO_DATA, f"未登记 {facts.year} 年档案目录和印章保管人。", figures
            )
        )
    else:
        problems = []
        if inventory is None:
            problems.append(f"没有 {facts.year} 年档案目录")
        elif not inventory.is_complete:
            problems.append("档案不齐全")
        if len(custodians) != 1:
            problems.append("印章未由一名专人保管" if custodians else "没有印章保管人")
        summary = (
            f"{facts.year} 年档案 {figures['volumes']} 卷，移交记录 {hand_overs} 条，"
            f"印章保管人：{'、'.join(figures['seal_custodians']) or '无'}"
        )
        results.append(
            RuleResult(
                "R-ARCH-2",
                RuleStatus.NOT_MET if problems else RuleStatus.MET,
                summary + ("；" + "，".join(problems) + "。" if problems else "。"),
                figures,
            )
        )
    return results


def _effect_rules(center, facts: _Facts) -> list[RuleResult]:
    results = []
    plans = facts.plans.get(center.pk, set())
    missing = [
        str(PlanKind(k).label) for k in (PlanKind.WORK_PLAN, PlanKind.IMPLEMENTATION_PLAN) if k not in plans
    ]
    results.append(
        RuleResult(
            "R-EFF-1",
            RuleStatus.NOT_MET if missing else RuleStatus.MET,
            f"缺少 {facts.year} 年{'、'.join(missing)}。"
            if missing
            else f"已制定 {facts.year} 年工作规划和实施计划。",
            {"missing": missing},
        )
    )
    after_years = _int(facts.policy["rating_after_years"])
    min_grade = _int(facts.policy["rating_min_grade"])
    started = center.established_on or center.registered_on
    if started is None:
        results.append(RuleResult("R-EFF-2", RuleStatus.NO_DATA, "未登记成立日期。", {}))
        return results
    due = add_years(started, after_years)
    figures = {"established_on": started.isoformat(), "due_on": due.isoformat(), "min_grade": min_grade}
    if facts.ref < due:
        results.append(
            RuleResult(
                "R-EFF-2",
                RuleStatus.NOT_APPLICABLE,
                f"成立于 {started:%Y-%m-%d}，至 {facts.ref:%Y-%m-%d} 未满 {after_years} 年"
                f"（{due:%Y-%m-%d} 起须达到 {min_grade}A 及以上）。",
                figures,
            )
        )
        return results
    valid = [r for r in facts.ratings.get(center.pk, []) if r.rated_on <= facts.ref <= r.valid_until]
    best = max(valid, key=lambda r: r.grade, default=None)
    latest = facts.ratings.get(center.pk, [None])[0]
    if best is not None and best.grade >= min_grade:
        detail = f"评估等级 {best.get_grade_display()}（{best.rated_on:%Y-%m-%d} 评定，有效期至 {best.valid_until:%Y-%m-%d}）。"
        status = RuleStatus.MET
    elif best is not None:
        detail = f"评估等级 {best.get_grade_display()}，低于 {min_grade}A。"
        status = RuleStatus.NOT_MET
    elif latest is not None:
        detail = f"最近一次评估 {latest.get_grade_display()} 已于 {latest.valid_until:%Y-%m-%d} 到期，须重新参加评估。"
        status = RuleStatus.NOT_MET
    else:
        detail = f"成立已满 {after_years} 年，尚未参加等级评估。"
        status = RuleStatus.NOT_MET
    figures.update(
        {
            "grade": RatingGrade(best.grade).label if best else None,
            "valid_until": best.valid_until.isoformat() if best else None,
        }
    )
    results.append(RuleResult("R-EFF-2", status, detail, figures))
    return results


def party_detail(coverage: PartyCoverage, area: str = "辖区") -> str:
    """“辖区 66 家，已覆盖 55 家，覆盖率 83.3 %” (the figures of R-PARTY-1)."""
    percent = coverage.percent
    text = f"{area} {coverage.n} 家，已覆盖 {coverage.covered} 家"
    return text + (f"，覆盖率 {percent} %" if percent is not None else "")


def _party_rules(center, facts: _Facts) -> list[RuleResult]:
    from .choices import PartyStatus

    if center.level != CenterLevel.STREET_TOWN:
        return []
    coverage = facts.coverage[center.pk]
    figures = coverage.as_dict()
    if not coverage.n:
        return [RuleResult("R-PARTY-1", RuleStatus.NOT_APPLICABLE, "辖区没有在册社会组织。", figures)]
    if not coverage.recorded:
        return [
            RuleResult(
                "R-PARTY-1",
                RuleStatus.NO_DATA,
                f"辖区 {coverage.n} 家社会组织均未登记党组织覆盖情况（社会组织名录）。",
                figures,
            )
        ]
    parts = "、".join(
        f"{PartyStatus(status).label} {count} 家"
        for status, count in coverage.by_status.items()
        if count and status != PartyStatus.NONE
    )
    detail = party_detail(coverage)
    if coverage.covered == coverage.n:
        return [RuleResult("R-PARTY-1", RuleStatus.MET, f"{detail}（{parts}），已全覆盖。", figures)]
    missing = coverage.n - coverage.covered
    return [
        RuleResult(
            "R-PARTY-1",
            RuleStatus.NOT_MET,
            f"{detail}；{missing} 家尚未覆盖"
            + (f"（已覆盖中{parts}）" if parts else "")
            + "，须实现全覆盖。",
            figures,
        )
    ]


def _evaluate(center, facts: _Facts) -> list[RuleResult]:
    return [
        *_staff_rules(center, facts),
        *_venue_rules(center, facts),
        *_fund_rules(center, facts),
        *_gov_rules(center, facts),
        *_archive_rules(center, facts),
        *_effect_rules(center, facts),
        *_party_rules(center, facts),
    ]


def evaluate_centers(centers: Iterable, year: int, on: date | None = None) -> dict[int, list[RuleResult]]:
    """Compliance of every center in ``centers`` for ``year``, by center id (constant query count).

    Every rule is judged on the one reference day ``on`` (default: ``reference_day(year)``)."""
    centers = list(centers)
    if not centers:
        return {}
    facts = _Facts(centers, year, on)
    return {center.pk: _evaluate(center, facts) for center in centers}


def evaluate_center(center, year: int, on: date | None = None, rows: dict | None = None) -> list[RuleResult]:
    """One center's compliance; ``rows``: its page's register rows (``center_registers(center, year)``),
    judged instead of reading the registers again."""
    if rows is None:
        return evaluate_centers([center], year, on)[center.pk]
    return _evaluate(center, _Facts([center], year, on, rows))


def evaluate_district(district, year: int) -> RuleResult:
    """R-COVER-1: every street/town of the district has an established (operating) center."""
    from .models import ServiceCenter, StreetTown

    end = year_end(year)
    street_towns = list(StreetTown.objects.filter(district=district).order_by("sort_order", "name"))
    covered = set(
        ServiceCenter.objects.filter(
            district=district,
            level=CenterLevel.STREET_TOWN,
            status=CenterStatus.OPERATING,
        )
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=end))
        .values_list("street_town_id", flat=True)
    )
    missing = [st.name for st in street_towns if st.pk not in covered]
    total = len(street_towns)
    figures = {"street_towns": total, "covered": total - len(missing), "missing": missing}
    if not total:
        return RuleResult("R-COVER-1", RuleStatus.NO_DATA, "未登记街镇。", figures)
    if missing:
        return RuleResult(
            "R-COVER-1",
            RuleStatus.NOT_MET,
            f"全区 {total} 个街镇，已建成运行服务中心 {total - len(missing)} 个；尚未覆盖：{'、'.join(missing)}。",
            figures,
        )
    return RuleResult("R-COVER-1", RuleStatus.MET, f"全区 {total} 个街镇均已建成运行服务中心。", figures)


def summarise(results: list[RuleResult]) -> dict[str, int]:
    """Counts by status, for the overview."""
    counts = {s.value: 0 for s in RuleStatus}
    for r in results:
        counts[r.status] += 1
    return counts

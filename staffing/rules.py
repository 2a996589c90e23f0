"""The staffing and pay rules of the policy (青民〔2016〕45号 三(二)), judged from a center's roster.

Each function takes the roster as it stood on a date, summarised (``RosterSummary``: the counts and
sums of everyone, and the few people a rule may name), and returns one ``centers.compliance.RuleResult``;
``judge_summary`` returns them all for StaffingFigures.findings. A summary is made from a list of
StaffMember rows (``RosterSummary.from_members``, the filing's roster snapshot) or from grouped SQL
counts and sums plus those few rows (staffing.selectors.staffing_figures, every center at once): the
same verdicts either way, without building thousands of rows for a district table.
The numbers they compare against are data: the minimum wage comes from staffing.models.MinimumWage,
the ratios from core.selectors.policy_values() (see selectors.required_full_time).

Readings taken here (see the README's staffing section):
- R-STAFF-4: the legal representative and the director are taken from the roster (the person flagged
  法定代表人 and the person in the 主任 position), falling back to the center's registered names. A legal
  representative who is not the director is shown as "not met" with both names (the deviation the
  policy allows "可视具体情况采用社会聘任" is then explained in the filing).
- R-PAY-3 applies to labor staff who are not rehired; rehired specialists are paid by their agreement
  (R-PAY-5), which the policy puts in its own clause.
- R-PAY-5 is reported: met when every rehired person has an uploaded agreement and an agreed pay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from centers.compliance import RuleResult, RuleStatus

from .choices import Position, StaffKind


def _yuan(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"{amount.quantize(Decimal('0.01')).normalize():f}"


def _names(members) -> str:
    return "、".join(m.name for m in members)


def _paid(member) -> bool:
    return member.monthly_pay is not None and member.monthly_pay > 0


def minimum_wage_reference_date(on: date) -> date:
    """R-PAY-3: pay in year Y is held against the standard in force on 31 December of Y−1."""
    return date(on.year - 1, 12, 31)


def is_notable(member, floor: Decimal | None) -> bool:
    """Whether a rule may name ``member``: the director and the legal representative (R-STAFF-4), the
    rehired (R-PAY-5, every one listed), and whoever breaks or leaves open a pay rule (R-PAY-1 to 4).
    ``floor`` is the minimum wage (R-PAY-3). staffing.selectors.notable_q is the same test in SQL."""
    return bool(
        member.position in (Position.DIRECTOR, Position.LEGAL_REPRESENTATIVE)
        or member.is_legal_representative
        or member.is_rehired
        or (member.kind == StaffKind.FULL_TIME and not member.post_grade.strip())
        or (member.kind in (StaffKind.PART_TIME, StaffKind.VOLUNTEER) and _paid(member))
        or (
            member.kind == StaffKind.LABOR
            and (member.monthly_pay is None or (floor is not None and member.monthly_pay < floor))
        )
    )


@dataclass
class RosterSummary:
    """What the rules read of a roster: counts and sums over everyone, and the notable people
    (``is_notable``) in roster order."""

    full_time: int = 0
    part_time: int = 0
    labor: int = 0  # labor staff, the rehired among them included
    labor_not_rehired: int = 0
    volunteers: int = 0
    rehired: int = 0
    monthly_pay_total: Decimal | None = None  # None: nobody's pay is recorded
    volunteer_subsidies: Decimal = Decimal("0")
    notable: list = field(default_factory=list)

    @classmethod
    def from_members(cls, members: Sequence, minimum_wage) -> RosterSummary:
        floor = minimum_wage.monthly_amount if minimum_wage is not None else None
        summary = cls()
        pays = [m.monthly_pay for m in members if m.monthly_pay is not None]
        summary.monthly_pay_total = sum(pays, Decimal("0")) if pays else None
        for m in members:
            if m.kind == StaffKind.FULL_TIME:
                summary.full_time += 1
            elif m.kind == StaffKind.PART_TIME:
                summary.part_time += 1
            elif m.kind == StaffKind.LABOR:
                summary.labor += 1
                summary.labor_not_rehired += not m.is_rehired
            elif m.kind == StaffKind.VOLUNTEER:
                summary.volunteers += 1
                summary.volunteer_subsidies += (m.transport_subsidy or 0) + (m.meal_subsidy or 0)
            summary.rehired += bool(m.is_rehired)
        summary.notable = [m for m in members if is_notable(m, floor)]
        return summary


def judge_legal_representative(center, members: Sequence) -> RuleResult:
    """R-STAFF-4: the legal representative normally is the director (``members``: the notable ones suffice)."""
    directors = [m for m in members if m.position == Position.DIRECTOR]
    representatives = [
        m for m in members if m.is_legal_representative or m.position == Position.LEGAL_REPRESENTATIVE
    ]
    director = directors[0].name if directors else (getattr(center, "director_name", "") or "")
    representative = (
        representatives[0].name if representatives else (getattr(center, "legal_representative", "") or "")
    )
    figures = {"director": director, "legal_representative": representative}
    if not representative:
        return RuleResult(
            "R-STAFF-4", RuleStatus.NO_DATA, "未登记法定代表人：请在人员名册中标明法定代表人。", figures
        )
    if not director:
        return RuleResult(
            "R-STAFF-4", RuleStatus.NO_DATA, "未登记服务中心主任：请在人员名册中登记主任。", figures
        )
    if any(m.position == Position.DIRECTOR and m.is_legal_representative for m in members) or (
        director == representative
    ):
        return RuleResult("R-STAFF-4", RuleStatus.MET, f"法定代表人由主任{director}担任。", figures)
    return RuleResult(
        "R-STAFF-4",
        RuleStatus.NOT_MET,
        f"法定代表人{representative}不是主任{director}（政策：法定代表人一般担任服务中心主任）。",
        figures,
    )


def judge_full_time_pay(roster: RosterSummary) -> RuleResult:
    """R-PAY-1: full-time pay follows the community-worker post grade; no grade → no data."""
    if not roster.full_time:
        return RuleResult("R-PAY-1", RuleStatus.NOT_APPLICABLE, "无专职工作人员。", {"full_time": 0})
    missing = [m for m in roster.notable if m.kind == StaffKind.FULL_TIME and not m.post_grade.strip()]
    figures = {"full_time": roster.full_time, "without_post_grade": [m.name for m in missing]}
    if missing:
        return RuleResult(
            "R-PAY-1",
            RuleStatus.NO_DATA,
            f"专职人员{_names(missing)}未填写社区工作者岗位等级，无法判断薪酬是否参照岗位等级。",
            figures,
        )
    return RuleResult(
        "R-PAY-1", RuleStatus.MET, f"专职人员 {roster.full_time} 名均已登记社区工作者岗位等级。", figures
    )


def judge_part_time_pay(roster: RosterSummary) -> RuleResult:
    """R-PAY-2: part-time staff are unpaid."""
    if not roster.part_time:
        return RuleResult("R-PAY-2", RuleStatus.NOT_APPLICABLE, "无兼职工作人员。", {"part_time": 0})
    paid = [m for m in roster.notable if m.kind == StaffKind.PART_TIME and _paid(m)]
    figures = {
        "part_time": roster.part_time,
        "paid": [{"name": m.name, "monthly_pay": _yuan(m.monthly_pay)} for m in paid],
    }
    if paid:
        detail = "；".join(f"兼职人员{m.name}领取月薪酬 {_yuan(m.monthly_pay)} 元" for m in paid)
        return RuleResult("R-PAY-2", RuleStatus.NOT_MET, f"{detail}（政策：兼职工作人员不支薪）。", figures)
    return RuleResult("R-PAY-2", RuleStatus.MET, f"兼职人员 {roster.part_time} 名均不支薪。", figures)


def judge_labor_pay(roster: RosterSummary, on: date, minimum_wage) -> RuleResult:
    """R-PAY-3: labor staff are paid at least the minimum wage in force on 31 Dec of the previous year."""
    reference = minimum_wage_reference_date(on)
    if not roster.labor_not_rehired:
        return RuleResult(
            "R-PAY-3", RuleStatus.NOT_APPLICABLE, "无劳务人员（返聘人员见 R-PAY-5）。", {"labor": 0}
        )
    if minimum_wage is None:
        return RuleResult(
            "R-PAY-3",
            RuleStatus.NO_DATA,
            f"缺少 {reference:%Y年%m月%d日} 施行的上海市月最低工资标准，请区民政局在参考数据中补录。",
            {"labor": roster.labor_not_rehired, "reference_date": reference.isoformat()},
        )
    floor = minimum_wage.monthly_amount
    labor = [m for m in roster.notable if m.kind == StaffKind.LABOR and not m.is_rehired]
    below = [m for m in labor if m.monthly_pay is not None and m.monthly_pay < floor]
    unknown = [m for m in labor if m.monthly_pay is None]
    figures = {
        "labor": roster.labor_not_rehired,
        "minimum_wage": _yuan(floor),
        "minimum_wage_effective_from": minimum_wage.effective_from.isoformat(),
        "reference_date": reference.isoformat(),
        "below": [{"name": m.name, "monthly_pay": _yuan(m.monthly_pay)} for m in below],
        "without_pay": [m.name for m in unknown],
    }
    standard = f"{reference.year} 年度上海市月最低工资标准 {_yuan(floor)} 元（{minimum_wage.effective_from:%Y-%m-%d} 起施行）"
    if below:
        detail = "；".join(f"劳务人员{m.name}月薪酬 {_yuan(m.monthly_pay)} 元" for m in below)
        return RuleResult("R-PAY-3", RuleStatus.NOT_MET, f"{detail}，低于{standard}。", figures)
    if unknown:
        return RuleResult(
            "R-PAY-3",
            RuleStatus.NO_DATA,
            f"劳务人员{_names(unknown)}未填写月薪酬，无法对照{standard}。",
            figures,
        )
    return RuleResult(
        "R-PAY-3",
        RuleStatus.MET,
        f"劳务人员 {roster.labor_not_rehired} 名月薪酬均不低于{standard}。",
        figures,
    )


def judge_volunteer_pay(roster: RosterSummary) -> RuleResult:
    """R-PAY-4: volunteers are unpaid; transport and meal subsidies are allowed."""
    if not roster.volunteers:
        return RuleResult("R-PAY-4", RuleStatus.NOT_APPLICABLE, "无志愿者。", {"volunteers": 0})
    paid = [m for m in roster.notable if m.kind == StaffKind.VOLUNTEER and _paid(m)]
    subsidies = roster.volunteer_subsidies
    figures = {
        "volunteers": roster.volunteers,
        "paid": [{"name": m.name, "monthly_pay": _yuan(m.monthly_pay)} for m in paid],
        "monthly_subsidies": _yuan(subsidies),
    }
    if paid:
        detail = "；".join(f"志愿者{m.name}领取薪酬 {_yuan(m.monthly_pay)} 元" for m in paid)
        return RuleResult(
            "R-PAY-4",
            RuleStatus.NOT_MET,
            f"{detail}（政策：志愿者不支薪，仅可给予车费、餐费补贴）。",
            figures,
        )
    return RuleResult(
        "R-PAY-4",
        RuleStatus.MET,
        f"志愿者 {roster.volunteers} 名均不支薪，每月车费、餐费补贴合计 {_yuan(subsidies)} 元。",
        figures,
    )


def judge_rehired_pay(roster: RosterSummary) -> RuleResult:
    """R-PAY-5: rehired specialists are paid by their signed agreement (reported)."""
    rehired = [m for m in roster.notable if m.is_rehired]
    if not rehired:
        return RuleResult("R-PAY-5", RuleStatus.NOT_APPLICABLE, "无返聘人员。", {"rehired": 0})
    incomplete = [m for m in rehired if not m.contract or m.monthly_pay is None]
    figures = {
        "rehired": len(rehired),
        "people": [
            {"name": m.name, "monthly_pay": _yuan(m.monthly_pay), "agreement": bool(m.contract)}
            for m in rehired
        ],
    }
    if incomplete:
        return RuleResult(
            "R-PAY-5",
            RuleStatus.NO_DATA,
            f"返聘人员{_names(incomplete)}未上传返聘协议或未填写约定报酬。",
            figures,
        )
    detail = "；".join(f"{m.name}按协议月报酬 {_yuan(m.monthly_pay)} 元" for m in rehired)
    return RuleResult("R-PAY-5", RuleStatus.MET, f"返聘人员 {len(rehired)} 名：{detail}。", figures)


def judge_summary(center, roster: RosterSummary, on: date, minimum_wage) -> tuple[RuleResult, ...]:
    return (
        judge_legal_representative(center, roster.notable),
        judge_full_time_pay(roster),
        judge_part_time_pay(roster),
        judge_labor_pay(roster, on, minimum_wage),
        judge_volunteer_pay(roster),
        judge_rehired_pay(roster),
    )


def judge_roster(center, members: Sequence, on: date, minimum_wage) -> tuple[RuleResult, ...]:
    return judge_summary(center, RosterSummary.from_members(members, minimum_wage), on, minimum_wage)

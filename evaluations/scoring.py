"""Pure scoring arithmetic: computed indicators, combination rules, grades, ranks, contributions.

Every function takes plain values and returns the figure with a Chinese explanation where a person
will read it, so a result can always be traced back ("R-STAFF-2 达标 → 满分 10").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .choices import CombinationRule

TWO_PLACES = Decimal("0.01")
HALF = Decimal("0.5")

FIGURE_WORDS = {"work_plan": "年度工作计划（已上传为 1）"}

RULE_STATUS_LABELS = {"met": "达标", "not_met": "未达标", "not_applicable": "不适用", "no_data": "无数据"}


def num(value) -> str:
    """A number as people write it: 10, 2.5 (never 1E+1)."""
    return f"{Decimal(value).normalize():f}"


def round_down_to_half(value: Decimal) -> Decimal:
    return (Decimal(math.floor(value * 2)) / 2).quantize(Decimal("0.1"))


def is_half_step(value: Decimal) -> bool:
    return (value * 2) == (value * 2).to_integral_value()


def compute_indicator(
    formula: dict,
    max_score: Decimal,
    *,
    rules: dict,
    figures: dict,
    basis: dict | None = None,
    labels: dict | None = None,
    level: str | None = None,
) -> tuple[Decimal, str]:
    """Score a computed indicator from a filing's snapshot.

    ``rules`` maps rule ID → {"status", "detail"} (the snapshot's compliance verdicts); ``figures`` maps
    figure name → number (the filing's figures, ``work_plan`` = 1 when uploaded); ``basis`` maps a
    figure name → where it comes from in Chinese (“据举办培训登记 3 条”), ``labels`` its Chinese name.
    A formula may name another formula for a center level (``"levels": {"district": {...}}``), so
    district and industry centers in a cycle's scope are scored by their own rules and figures.
    """
    max_score = Decimal(max_score)
    if level and (formula.get("levels") or {}).get(level):
        formula = formula["levels"][level]
    kind = formula.get("kind")
    if kind == "rule":
        rule = formula["rule"]
        verdict = rules.get(rule) or {}
        status = verdict.get("status", "no_data")
        label = RULE_STATUS_LABELS.get(status, status)
        detail = verdict.get("detail") or ""
        score = max_score if status in ("met", "not_applicable") else Decimal("0.0")
        explained = f"{rule} {label}" + (f"（{detail}）" if detail else "") + f" → {score}/{max_score}"
        return score.quantize(Decimal("0.1")), explained[:500]
    if kind == "figure":
        name = formula["figure"]
        full_at = Decimal(str(formula.get("full_at") or 1))
        value = figures.get(name)
        value = Decimal(str(value)) if value is not None else Decimal(0)
        ratio = min(value / full_at, Decimal(1)) if full_at > 0 else Decimal(0)
        score = round_down_to_half(ratio * max_score)
        label = formula.get("label") or (labels or {}).get(name) or FIGURE_WORDS.get(name, name)
        source = (basis or {}).get(name)
        explained = (
            f"{label} = {num(value)}"
            + (f"（{source}）" if source else "")
            + f"，满分要求 {num(full_at)} → {score}/{max_score}"
        )
        return score, explained[:500]
    return Decimal("0.0"), "公式无法识别，按 0 分计"


@dataclass(frozen=True)
class Combined:
    final: Decimal
    gap: Decimal | None
    finding: str
    explanation: str


def combine(
    *,
    self_score: Decimal,
    spot_score: Decimal | None,
    rule: str,
    self_weight: Decimal,
    tolerance: Decimal,
) -> Combined:
    """The final score by the cycle's rule, the gap self − spot check, and a finding above tolerance."""
    self_score = Decimal(self_score)
    if spot_score is None:
        final = self_score.quantize(TWO_PLACES, ROUND_HALF_UP)
        return Combined(final, None, "", f"未抽检：最终得分 = 自评分 {final}")
    spot_score = Decimal(spot_score)
    if rule == CombinationRule.WEIGHTED:
        w = Decimal(self_weight)
        final = (self_score * w + spot_score * (1 - w)).quantize(TWO_PLACES, ROUND_HALF_UP)
        explanation = f"加权：{self_score} × {w} + {spot_score} × {1 - w} = {final}"
    else:
        final = spot_score.quantize(TWO_PLACES, ROUND_HALF_UP)
        explanation = f"抽检分替代自评分：最终得分 = 抽检分 {final}"
    gap = (self_score - spot_score).quantize(TWO_PLACES, ROUND_HALF_UP)
    finding = ""
    if gap > Decimal(tolerance):
        finding = f"自评分高出抽检分 {gap} 分，超过容差 {num(tolerance)} 分"
    return Combined(final, gap, finding, explanation)


# The grade below every named band (and the grade a veto item forces, whatever the score).
FAILING_GRADE = "不合格"


def grade_for(score: Decimal, bands: list[dict]) -> str:
    """The highest band whose floor the score reaches (``>=``); below every floor: 不合格.

    Never the lowest band's name: a band list that does not reach 0 leaves the scores under it
    failing, not graded as its last band (the cycle's settings refuse such a list anyway)."""
    for band in sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if Decimal(score) >= Decimal(str(band["min"])):
            return band["grade"]
    return FAILING_GRADE


def grade_bands_problem(bands) -> str | None:
    """Why a band list cannot grade every score from 0 to 100 (Chinese), or None when it can."""
    try:
        floors = [(str(b["grade"]).strip(), Decimal(str(b["min"]))) for b in bands]
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return "等次划分格式应为“等次=最低分”，如 优秀=90，最低分在 0 到 100 之间。"
    if not floors:
        return "请至少填写一个等次。"
    if any(not grade for grade, _m in floors):
        return "每个等次都要写名称，如 合格=60。"
    if any(not m.is_finite() or m < 0 or m > 100 for _g, m in floors):
        return "等次的最低分应在 0 到 100 之间。"
    if min(m for _g, m in floors) != 0:
        return "等次划分须覆盖到 0 分：请加上最低一档，如 不合格=0。"
    if len({m for _g, m in floors}) != len(floors):
        return "两个等次的最低分相同，请改为不同的分数。"
    return None


def competition_ranks(scores: list[Decimal]) -> list[int]:
    """Rank by score, highest first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    ranks = [0] * len(scores)
    previous = None
    rank = 0
    for position, index in enumerate(order, start=1):
        if scores[index] != previous:
            rank = position
            previous = scores[index]
        ranks[index] = rank
    return ranks


def contribution(final: Decimal, weight: Decimal) -> Decimal:
    """What the score carries into the street/town's civil-affairs performance total: final / 100 × W."""
    return (Decimal(final) / 100 * Decimal(weight)).quantize(TWO_PLACES, ROUND_HALF_UP)


# ---- rubric item kinds -----------------------------------------------------------------------------
# 常规项 (scored 0 … max in halves), 扣分项 (points per occurrence off the item's max, 扣完为止 at its
# floor), 一票否决项 (any occurrence fails the grade whatever the score), 加分项 (points per occurrence on
# top of the 100, up to its cap). A 常规项 judged 不适用 gives its points to the rest of its category
# (``redistribute``) or the whole score is rescaled to the applicable points (``rescale``): the cycle
# says which (Cycle.not_applicable_rule).
KIND_STANDARD = "standard"
KIND_DEDUCTION = "deduction"
KIND_VETO = "veto"
KIND_BONUS = "bonus"
NA_REDISTRIBUTE = "redistribute"
NA_RESCALE = "rescale"


@dataclass(frozen=True)
class Item:
    """One rubric item as scored: ``score`` for a 常规项, ``occurrences`` for the other kinds."""

    code: str
    category: str
    max_score: Decimal
    kind: str = KIND_STANDARD
    score: Decimal | None = None
    occurrences: int | None = None
    per_occurrence: Decimal = Decimal(0)
    floor: Decimal = Decimal(0)
    cap: Decimal = Decimal(0)
    applicable: bool = True
    name: str = ""


@dataclass(frozen=True)
class Line:
    code: str
    score: Decimal
    explanation: str


@dataclass(frozen=True)
class Tally:
    total: Decimal
    veto: str
    lines: tuple[Line, ...]

    def score_of(self, code: str) -> Decimal:
        return next(line.score for line in self.lines if line.code == code)


def item_score(item: Item) -> tuple[Decimal, str]:
    """The points of one item before any 不适用 adjustment, with its Chinese explanation."""
    maximum = Decimal(item.max_score)
    n = int(item.occurrences or 0)
    per = Decimal(item.per_occurrence)
    if item.kind == KIND_DEDUCTION:
        floor = Decimal(item.floor)
        score = max(maximum - per * n, floor)
        return score, (
            f"扣分项：发生 {n} 次 × 每次扣 {num(per)} 分 = 扣 {num(per * n)} 分，"
            f"扣完为止（最低 {num(floor)} 分）→ {num(score)}/{num(maximum)}"
        )
    if item.kind == KIND_VETO:
        return Decimal(0), (
            "一票否决项：发生 " + str(n) + " 次 → 等次为不合格" if n else "一票否决项：未发生"
        )
    if item.kind == KIND_BONUS:
        cap = Decimal(item.cap)
        score = min(per * n, cap)
        return (
            score,
            f"加分项：{n} 次 × 每次 {num(per)} 分 = {num(per * n)} 分，上限 {num(cap)} 分 → 加 {num(score)} 分",
        )
    score = Decimal(item.score or 0)
    return score, f"{num(score)}/{num(maximum)}"


def tally(items: list[Item], *, not_applicable_rule: str = NA_REDISTRIBUTE) -> Tally:
    """A filing's total over its rubric items (two places, half-up), its veto reason and each line.

    不适用 applies to 常规项 only. ``redistribute``: each category's applicable 常规项 carry its
    points in proportion to their maxima (category score = their scores × category max / their max);
    ``rescale``: the base points are scaled to 100 × base / applicable maximum. 加分项 come on top."""
    base_items = [i for i in items if i.kind in (KIND_STANDARD, KIND_DEDUCTION)]
    raw = {i.code: item_score(i) for i in items}
    lines: dict[str, Line] = {}
    total = Decimal(0)
    if not_applicable_rule == NA_RESCALE:
        full = sum((Decimal(i.max_score) for i in base_items), Decimal(0))
        kept = sum((Decimal(i.max_score) for i in base_items if i.applicable), Decimal(0))
        factor = full / kept if kept else Decimal(0)
        base = Decimal(0)
        for i in base_items:
            score, why = raw[i.code]
            if not i.applicable:
                lines[i.code] = Line(
                    i.code, Decimal(0), f"不适用：按适用指标满分 {num(kept)} 折算为 {num(full)} 分"
                )
                continue
            base += score
            lines[i.code] = Line(i.code, score, why)
        total = base * factor
    else:
        by_category: dict[str, list[Item]] = {}
        for i in base_items:
            by_category.setdefault(i.category, []).append(i)
        for category, members in by_category.items():
            full = sum((Decimal(i.max_score) for i in members), Decimal(0))
            kept = sum((Decimal(i.max_score) for i in members if i.applicable), Decimal(0))
            factor = full / kept if kept else Decimal(0)
            for i in members:
                score, why = raw[i.code]
                if not i.applicable:
                    lines[i.code] = Line(
                        i.code, Decimal(0), f"不适用：{num(i.max_score)} 分按满分比例分给{category}类其余指标"
                    )
                    continue
                share = (score * factor).quantize(TWO_PLACES, ROUND_HALF_UP)
                if factor != 1:
                    why = f"{why}；含不适用指标分摊，折算为 {share}"
                lines[i.code] = Line(i.code, share, why)
                total += score * factor
    vetoes = []
    for i in items:
        score, why = raw[i.code]
        if i.kind == KIND_BONUS:
            total += score
            lines[i.code] = Line(i.code, score, why)
        elif i.kind == KIND_VETO:
            lines[i.code] = Line(i.code, Decimal(0), why)
            if i.occurrences:
                vetoes.append(f"{i.code} {i.name}".strip())
    veto = f"一票否决：{'、'.join(vetoes)}，等次为不合格" if vetoes else ""
    ordered = tuple(lines[i.code] for i in items)
    return Tally(total.quantize(TWO_PLACES, ROUND_HALF_UP), veto, ordered)

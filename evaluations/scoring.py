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


def grade_for(score: Decimal, bands: list[dict]) -> str:
    for band in sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if Decimal(score) >= Decimal(str(band["min"])):
            return band["grade"]
    return bands[-1]["grade"] if bands else ""


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

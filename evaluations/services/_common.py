"""Helpers shared by the evaluation's services."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.errors import ApplicationError

from .. import scoring
from ..choices import (
    CycleState,
)
from ..models import (
    Cycle,
)

logger = logging.getLogger(__name__)

OPEN_KIND = "evaluations.cycle_open"
RESULTS_KIND = "evaluations.results"
STATE_LABELS = dict(CycleState.choices)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _parse_score(raw, *, field: str, maximum: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError("分数格式不对。", fields={field: ["请填写数字，如 3 或 3.5。"]}) from None
    if not value.is_finite():
        raise ApplicationError("分数格式不对。", fields={field: ["请填写数字，如 3 或 3.5。"]})
    if value < 0 or value > maximum:
        raise ApplicationError("分数超出范围。", fields={field: [f"分数应在 0 到 {maximum} 之间。"]})
    if not scoring.is_half_step(value):
        raise ApplicationError("分数格式不对。", fields={field: ["分数只能是整数或 0.5 分，如 3 或 3.5。"]})
    return value.quantize(Decimal("0.1"))


def _require_cycle_state(cycle: Cycle, *states: str, doing: str) -> None:
    if cycle.state not in states:
        allowed = "、".join(f"“{STATE_LABELS[s]}”" for s in states)
        raise ApplicationError(
            f"当前考评状态为“{cycle.get_state_display()}”，不能{doing}：该操作只能在 {allowed} 阶段进行。",
            code="out_of_order",
        )


def _locked_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def days_left(deadline: date, today: date | None = None) -> int:
    return (deadline - _today(today)).days

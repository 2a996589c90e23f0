"""The evaluation's workflows as data: one transition table per aggregate (cycle, filing).

A row says from which state to which, who may make the move (a duty, checked against the actor and
the object), what it records (the time stamps it sets, whether a typed reason is required) and its
Chinese label. ``transition(obj, to, actor, **record)`` is the one function that changes a state: it
finds the row, checks the duty, sets the state and stamps, saves and leaves the audit entry. The
services check their own preconditions (a draw done, nothing missing …) and then call it; pages and
the API offer only ``allowed_moves(obj, actor)``.

Adding a move is adding a row (and, for the generic cycle page, naming the service that makes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from core.audit import log_action
from core.errors import ApplicationError

from .choices import CycleState, FilingState


# ---- duties ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Duty:
    label: str  # who, in Chinese
    check: Callable  # (actor, obj) -> bool


def _is_bureau(actor, obj) -> bool:
    return bool(actor) and actor.is_active and actor.has_perm("evaluations.change_cycle")


def _is_center_own(actor, filing) -> bool:
    from accounts.roles import Role

    return bool(actor) and actor.role == Role.DIRECTOR and actor.center_id == filing.center_id


def _is_supervising_unit(actor, filing) -> bool:
    from accounts.roles import Role

    return (
        bool(actor)
        and actor.role == Role.SUPERVISOR
        and actor.supervising_unit_id is not None
        and actor.supervising_unit_id == filing.center.supervising_unit_id
    )


BUREAU = Duty("区民政局", _is_bureau)
CENTER = Duty("本服务中心", _is_center_own)
SUPERVISING_UNIT = Duty(
    "业务主管单位（或区民政局）", lambda a, f: _is_supervising_unit(a, f) or _is_bureau(a, f)
)
SUPERVISING_UNIT_ONLY = Duty("业务主管单位", _is_supervising_unit)
# 定稿 is the bureau's button, or the portal's own daily task once the publicity period has ended
# (no actor: the beat job, evaluations.tasks.close_publicity_task).
BUREAU_OR_SCHEDULE = Duty("区民政局（或公示期满后由系统自动）", lambda a, o: a is None or _is_bureau(a, o))


# ---- the table ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    source: str
    target: str
    label: str  # the button / the audit trail's name of the move, in Chinese
    duty: Duty
    action: str  # audit action
    stamps: tuple[str, ...] = ()  # fields set to now
    reason: str = ""  # "" no reason; "always"; or a condition name (see REASON_WHEN)
    confirm: str = ""  # what the confirmation says
    service: str = ""  # the service in evaluations.services that makes the move (cycle pages)
    stage: str = ""  # filing returns: which stage of review


CYCLE_MOVES: tuple[Move, ...] = (
    Move(
        CycleState.DRAFT,
        CycleState.OPEN,
        "开启考评",
        BUREAU,
        "evaluations.cycle.opened",
        stamps=("opened_at",),
        confirm="开启后评分表冻结，并为参评中心生成年度填报。",
        service="cycle_open",
    ),
    Move(
        CycleState.OPEN,
        CycleState.SPOT_CHECK,
        "结束填报，进入抽检",
        BUREAU,
        "evaluations.cycle.filing_closed",
        stamps=("filing_closed_at",),
        reason="before_deadline",
        confirm="进入抽检阶段后，服务中心不能再修改填报；未提交的中心按本年度规则列为“未提交”。",
        service="cycle_close_filing",
    ),
    Move(
        CycleState.SPOT_CHECK,
        CycleState.SCORING,
        "抽检完成，进入计分",
        BUREAU,
        "evaluations.cycle.state_changed",
        confirm="确定抽检已全部完成，进入计分吗？",
        service="cycle_advance",
    ),
    Move(
        CycleState.SCORING,
        CycleState.PUBLICITY,
        "公布结果，进入公示",
        BUREAU,
        "evaluations.cycle.published",
        stamps=("published_at",),
        confirm="公布后进入公示期，公示期内服务中心可申请复核；更正须另立版本并写明原因。",
        service="cycle_publish",
    ),
    Move(
        CycleState.PUBLICITY,
        CycleState.FINAL,
        "公示期满，定稿",
        BUREAU_OR_SCHEDULE,
        "evaluations.cycle.finalized",
        stamps=("finalized_at",),
        confirm="定稿后结果不再更正，也不再受理复核申请。",
        service="cycle_finalize",
    ),
    Move(
        CycleState.FINAL,
        CycleState.ARCHIVED,
        "归档",
        BUREAU,
        "evaluations.cycle.state_changed",
        confirm="归档后本年度考评不再变动。",
        service="cycle_advance",
    ),
    Move(
        CycleState.PUBLISHED,
        CycleState.ARCHIVED,
        "归档",
        BUREAU,
        "evaluations.cycle.state_changed",
        confirm="归档后本年度考评不再变动。",
        service="cycle_advance",
    ),
)

FILING_MOVES: tuple[Move, ...] = (
    Move(
        FilingState.DRAFT,
        FilingState.SUBMITTED,
        "提交年度填报",
        CENTER,
        "evaluations.filing.submitted",
        stamps=("submitted_at", "snapshot_taken_at"),
    ),
    Move(
        FilingState.RETURNED,
        FilingState.SUBMITTED,
        "重新提交年度填报",
        CENTER,
        "evaluations.filing.submitted",
        stamps=("submitted_at", "snapshot_taken_at"),
    ),
    Move(
        FilingState.SUBMITTED,
        FilingState.REVIEWED,
        "初审通过",
        SUPERVISING_UNIT,
        "evaluations.filing.reviewed",
        stamps=("reviewed_at",),
    ),
    Move(
        FilingState.SUBMITTED,
        FilingState.RETURNED,
        "初审退回修改",
        SUPERVISING_UNIT_ONLY,
        "evaluations.filing.returned",
        reason="always",
        stage="review",
    ),
    Move(
        FilingState.REVIEWED,
        FilingState.ACCEPTED,
        "受理",
        BUREAU,
        "evaluations.filing.accepted",
        stamps=("accepted_at",),
    ),
    Move(
        FilingState.SUBMITTED,
        FilingState.RETURNED,
        "受理退回修改",
        BUREAU,
        "evaluations.filing.returned",
        reason="always",
        stage="acceptance",
    ),
    Move(
        FilingState.REVIEWED,
        FilingState.RETURNED,
        "受理退回修改",
        BUREAU,
        "evaluations.filing.returned",
        reason="always",
        stage="acceptance",
    ),
)


def _before_deadline(cycle) -> bool:
    return timezone.localdate() <= cycle.filing_deadline


REASON_WHEN: dict[str, Callable] = {"always": lambda obj: True, "before_deadline": _before_deadline}


def table_for(obj) -> tuple[Move, ...]:
    from .models import Cycle, Filing

    if isinstance(obj, Cycle):
        return CYCLE_MOVES
    if isinstance(obj, Filing):
        return FILING_MOVES
    raise TypeError(f"no transition table for {type(obj).__name__}")


def state_label(obj, state: str) -> str:
    return dict(type(obj)._meta.get_field("state").choices).get(state, state)


def allowed_moves(obj, actor) -> list[Move]:
    """The moves out of ``obj``'s state this actor may make (what pages and the API offer)."""
    return [m for m in table_for(obj) if m.source == obj.state and m.duty.check(actor, obj)]


def needs_reason(move: Move, obj) -> bool:
    return bool(move.reason) and REASON_WHEN[move.reason](obj)


def find_move(obj, to: str, actor, *, stage: str = "") -> Move:
    """The row for ``obj``'s state → ``to`` that ``actor`` may make; refused in Chinese otherwise."""
    rows = [m for m in table_for(obj) if m.source == obj.state and m.target == to]
    if stage:
        rows = [m for m in rows if m.stage == stage]
    if not rows:
        raise ApplicationError(
            f"当前状态为“{state_label(obj, obj.state)}”，不能转为“{state_label(obj, to)}”。",
            code="out_of_order",
        )
    for move in rows:
        if move.duty.check(actor, obj):
            return move
    raise ApplicationError(
        f"“{rows[0].label}”只能由{'或'.join(m.duty.label for m in rows)}进行。", code="forbidden"
    )


def transition(obj, to: str, actor, *, stage: str = "", **record) -> Move:
    """Make the move ``obj.state`` → ``to`` (``obj`` locked by the caller): duty checked, a typed
    ``reason`` required where the row says so, the state and stamps saved, the audit entry written
    with before, after and ``record``."""
    move = find_move(obj, to, actor, stage=stage)
    reason = (record.get("reason") or "").strip()
    if needs_reason(move, obj) and not reason:
        raise ApplicationError(
            f"请填写“{move.label}”的原因。",
            fields={"reason": ["请写明原因，以备查。"]},
            code="reason_required",
        )
    before = obj.state
    now = timezone.now()
    obj.state = to
    for field in move.stamps:
        setattr(obj, field, now)
    update = ["state", *move.stamps]
    if hasattr(obj, "updated_at"):
        update.append("updated_at")
    obj.save(update_fields=update)
    data = {"before": before, "after": to, "move": move.label, **record}
    log_action(move.action, actor=actor, obj=obj, data=data)
    return move

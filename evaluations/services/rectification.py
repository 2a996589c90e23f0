"""整改: a rectification item for every finding of a published result, and its lifecycle.

Findings (``findings_for``): a gap over the tolerance, a computed indicator the spot check judged not
true (不属实), a veto item (一票否决, when the rubric has one), the grade 不合格, a compliance rule not met
in the filing's snapshot. ``rectifications_sync`` opens one item per finding (idempotent: the
``key`` is unique per cycle and center) and withdraws the open ones whose finding a review's
adjustment removed. The center's director files the report (open/returned → submitted), its
supervising unit reviews it (通过 → approved, 退回 → returned), the bureau closes it (approved → closed).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from centers.rules import rule_title
from core.audit import log_action
from core.errors import ApplicationError
from core.permissions import restrict
from core.storage import StorageFailure, atomic
from core.uploads import check_upload
from core.versioning import bump, check_version

from ..choices import FindingKind, IndicatorKind, RectificationState
from ..models import AuditScore, Cycle, Indicator, Rectification, Result, ResultSet

FAILED_GRADE = "不合格"


def findings_for(result: Result, not_true: dict, veto_items=()) -> list[tuple[str, str, str]]:
    """(kind, key, text) of every finding of one center's result.

    A veto is read from the published result (``Result.veto``, the record the grade came from): one
    item per veto item of the rubric it names (``veto_items``: the cycle's (code, name) pairs), or
    one item with the result's own text when it names none of them."""
    out = []
    if result.finding:
        out.append((FindingKind.GAP, "gap", result.finding))
    for code, name in not_true.get(result.filing_id, []):
        out.append((FindingKind.NOT_TRUE, f"indicator:{code}", f"指标“{code} {name}”经抽检核实不属实"))
    if result.veto:
        named = [(code, name) for code, name in veto_items if f"{code} {name}".strip() in result.veto]
        for code, name in named:
            out.append((FindingKind.VETO, f"veto:{code}", f"一票否决：{code} {name}，等次为不合格"))
        if not named:
            out.append((FindingKind.VETO, "veto", result.veto))
    if result.grade == FAILED_GRADE:
        out.append((FindingKind.FAILED, "grade", f"考评等次为不合格（最终得分 {result.final_score:.2f} 分）"))
    for rule in (result.filing.snapshot or {}).get("compliance", []):
        if rule.get("status") == "not_met":
            text = f"未达标：{rule_title(rule['rule'])}"
            if rule.get("detail"):
                text += f"（{rule['detail']}）"
            out.append((FindingKind.RULE, f"rule:{rule['rule']}", text[:500]))
    return out


@transaction.atomic
def rectifications_sync(*, cycle: Cycle, actor=None) -> dict:
    """Open an item for every finding of the cycle's current published results (idempotent); withdraw
    the still-open items whose finding is gone (after a review's adjustment)."""
    result_set = (
        ResultSet.objects.filter(cycle=cycle, is_published=True, is_current=True)
        .order_by("-revision")
        .first()
    )
    if result_set is None:
        return {"opened": 0, "withdrawn": 0}
    results = list(Result.objects.filter(result_set=result_set).select_related("filing", "center"))
    not_true: dict[int, list] = {}
    for score in AuditScore.objects.filter(
        filing__in=[r.filing_id for r in results if r.sampled], confirmed=False
    ).select_related("indicator"):
        not_true.setdefault(score.filing_id, []).append((score.indicator.code, score.indicator.name))
    veto_items = list(
        Indicator.objects.filter(cycle=cycle, kind=IndicatorKind.VETO)
        .order_by("sort_order", "code")
        .values_list("code", "name")
    )
    existing = {
        (r.center_id, r.key): r for r in Rectification.objects.select_for_update().filter(cycle=cycle)
    }
    deadline = timezone.localdate() + timedelta(days=cycle.rectification_days)
    wanted = set()
    new = []
    for result in results:
        for kind, key, text in findings_for(result, not_true, veto_items):
            wanted.add((result.center_id, key))
            if (result.center_id, key) not in existing:
                new.append(
                    Rectification(
                        cycle=cycle,
                        center=result.center,
                        filing=result.filing,
                        kind=kind,
                        key=key,
                        finding=text[:500],
                        deadline=deadline,
                    )
                )
    Rectification.objects.bulk_create(new, ignore_conflicts=True)
    gone = [
        r
        for k, r in existing.items()
        if k not in wanted and r.state in (RectificationState.OPEN, RectificationState.RETURNED)
    ]
    for row in gone:
        row.state = RectificationState.WITHDRAWN
        bump(row)
        row.save(update_fields=["state", "version", "updated_at"])
    if new or gone:
        log_action(
            "evaluations.rectification.opened",
            actor=actor,
            obj=cycle,
            data={"opened": len(new), "withdrawn": len(gone), "revision": result_set.revision},
        )
    return {"opened": len(new), "withdrawn": len(gone)}


def _locked(item: Rectification, version) -> Rectification:
    item = Rectification.objects.select_for_update().select_related("center", "cycle").get(pk=item.pk)
    check_version(item, version)
    return item


def _require_state(item: Rectification, *states, doing: str) -> None:
    if item.state not in states:
        raise ApplicationError(
            f"该整改事项当前为“{item.get_state_display()}”，不能{doing}。", code="out_of_order"
        )


@atomic()
def rectification_submit(*, item: Rectification, actor, report: str, version, evidence=None) -> Rectification:
    """The center's director files the rectification report with its evidence."""
    if getattr(actor, "role", None) != Role.DIRECTOR or actor.center_id != item.center_id:
        raise ApplicationError("只有本中心主任可以提交整改报告。", code="forbidden")
    item = _locked(item, version)
    _require_state(item, RectificationState.OPEN, RectificationState.RETURNED, doing="提交整改报告")
    report = (report or "").strip()
    if not report:
        raise ApplicationError(
            "请填写整改报告。", fields={"report": ["请写明针对该问题采取了哪些整改措施、效果如何。"]}
        )
    if evidence:
        name, _mime = check_upload(evidence, field="evidence")
        try:
            item.evidence.save(name, evidence, save=False)
        except StorageFailure as exc:
            raise exc.for_field("evidence") from exc
        item.evidence_name = name
    elif not item.evidence:
        raise ApplicationError(
            "请上传整改佐证材料。", fields={"evidence": ["整改报告须附佐证材料（PDF、图片或文档）。"]}
        )
    item.report = report[:8000]
    item.state = RectificationState.SUBMITTED
    item.submitted_by = actor
    item.submitted_at = timezone.now()
    bump(item)
    item.save()
    log_action(
        "evaluations.rectification.submitted", actor=actor, obj=item, data={"evidence": item.evidence_name}
    )
    return item


@transaction.atomic
def rectification_review(
    *, item: Rectification, actor, approve: bool, comment: str, version
) -> Rectification:
    """The center's supervising unit reviews the report: 通过 (to the bureau) or 退回 (with a comment)."""
    reviewer = getattr(actor, "role", None) == Role.SUPERVISOR or (
        item.center.supervising_unit_id is None and actor.has_perm("evaluations.change_rectification")
    )
    if not reviewer or not restrict(Rectification.objects.filter(pk=item.pk), actor, "review").exists():
        raise ApplicationError("只有该中心的业务主管单位可以审核整改报告。", code="forbidden")
    item = _locked(item, version)
    _require_state(item, RectificationState.SUBMITTED, doing="审核")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ApplicationError("请填写退回原因。", fields={"comment": ["退回时须写明还需整改或补充什么。"]})
    item.state = RectificationState.APPROVED if approve else RectificationState.RETURNED
    item.review_comment = comment[:4000]
    item.reviewed_by = actor
    item.reviewed_at = timezone.now()
    bump(item)
    item.save()
    log_action(
        "evaluations.rectification.reviewed",
        actor=actor,
        obj=item,
        data={"approved": approve, "comment": comment},
    )
    return item


@transaction.atomic
def rectification_close(*, item: Rectification, actor, comment: str, version) -> Rectification:
    """The bureau closes (销号) an item whose report its supervising unit approved."""
    if getattr(actor, "role", None) != Role.BUREAU or not actor.has_perm("evaluations.change_rectification"):
        raise ApplicationError("只有区民政局可以对整改事项销号。", code="forbidden")
    item = _locked(item, version)
    _require_state(item, RectificationState.APPROVED, doing="销号（须先经业务主管单位审核通过）")
    item.state = RectificationState.CLOSED
    item.close_comment = (comment or "").strip()[:4000]
    item.closed_by = actor
    item.closed_at = timezone.now()
    bump(item)
    item.save()
    log_action(
        "evaluations.rectification.closed", actor=actor, obj=item, data={"comment": item.close_comment}
    )
    return item

"""The draw, the auditors' assignments and the spot-check scores."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from core.audit import log_action
from core.errors import ApplicationError
from core.versioning import StaleVersion, bump, check_version, parse_version

from .. import draw as draw_algorithm
from ..choices import (
    CORRECTABLE_STATES,
    CycleState,
    NotificationKind,
    SeedSource,
)
from ..models import (
    Assignment,
    AuditScore,
    Cycle,
    Draw,
    Filing,
    Indicator,
    SeedCommitment,
)
from ._common import _locked_cycle, _require_cycle_state
from .filings import _check_row_versions, _save_score_row, computed_scores, filing_tally, parse_entry
from .notifications import _notify

logger = logging.getLogger(__name__)


# ---- the draw and assignments ----------------------------------------------------------------------
def draw_population(cycle: Cycle) -> list[dict]:
    """The centers in scope, sorted by the stable key (street/town order, name, id), each with its
    unified social credit code (the draw's key) and street/town (the published order)."""
    rows = Filing.objects.filter(cycle=cycle).values_list(
        "center_id",
        "center__name",
        "center__credit_code",
        "center__street_town__name",
        "center__street_town__sort_order",
    )
    rows = sorted(rows, key=lambda r: (r[4] if r[4] is not None else 9999, r[1], r[0]))
    return [
        {
            "id": r[0],
            "name": r[1],
            "credit_code": r[2] or "",
            "street_town": r[3] or "",
            "street_town_order": r[4] if r[4] is not None else 9999,
        }
        for r in rows
    ]


def _clean_public_source(description, published_on, today) -> tuple[str, object]:
    """The public source named for the seed: a description and a publication date after today."""
    from datetime import date

    description = " ".join(str(description or "").split())
    errors: dict[str, list[str]] = {}
    if not description:
        errors["source_description"] = [
            "请写明种子将取自哪一公开来源，如“中国福利彩票双色球 2027001 期开奖号码”。"
        ]
    elif len(description) > 200:
        errors["source_description"] = ["公开来源的说明不能超过 200 字。"]
    if isinstance(published_on, str):
        try:
            published_on = date.fromisoformat(published_on.strip())
        except ValueError:
            published_on = None
    if not isinstance(published_on, date):
        errors["source_published_on"] = ["请填写该来源公布数值的日期，如 2027-03-02。"]
    elif published_on <= today:
        errors["source_published_on"] = [
            "公布日期须晚于今天：承诺须在数值公布之前作出，否则种子可以事先挑选。"
        ]
    if errors:
        raise ApplicationError("种子的公开来源有误，请按提示修改。", fields=errors)
    return description, published_on


@transaction.atomic
def draw_commit(
    *, cycle: Cycle, actor, source_description: str = "", source_published_on=None
) -> SeedCommitment:
    """Commit to the draw's seed and publish the commitment (SHA-256) — as the cycle enters spot
    check (``cycle_close_filing``, same transaction), or from the draw page for a cycle that entered it
    before commitments existed. Once per cycle: a second call returns the first commitment unchanged.

    By default the portal makes the seed (its SHA-256 is the commitment). With
    ``source_description`` the seed is to be taken from that public source, published on
    ``source_published_on`` (after today): the commitment is SHA-256 of the description and date
    (``draw.source_statement``), and the value is entered at the draw (``draw_create``)."""
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SPOT_CHECK, doing="公布抽样种子承诺")
    existing = SeedCommitment.objects.filter(cycle=cycle).first()
    if existing is not None:
        return existing
    if source_description or source_published_on:
        description, published_on = _clean_public_source(
            source_description, source_published_on, timezone.localdate()
        )
        commitment = SeedCommitment.objects.create(
            cycle=cycle,
            source=SeedSource.PUBLIC,
            seed="",
            source_description=description,
            source_published_on=published_on,
            digest=draw_algorithm.commitment_of(draw_algorithm.source_statement(description, published_on)),
            committed_at=timezone.now(),
            committed_by=actor,
        )
    else:
        seed = draw_algorithm.new_seed()
        commitment = SeedCommitment.objects.create(
            cycle=cycle,
            seed=seed,
            digest=draw_algorithm.commitment_of(seed),
            committed_at=timezone.now(),
            committed_by=actor,
        )
    log_action(
        "evaluations.draw.committed",
        actor=actor,
        obj=cycle,
        data={
            "commitment": commitment.digest,
            "source": commitment.source,
            "source_description": commitment.source_description,
            "source_published_on": str(commitment.source_published_on or ""),
        },
    )
    return commitment


def commitment_holds(draw: Draw) -> bool:
    """Whether the draw's seed is the one committed to: SHA-256(seed) equals the digest (portal seed);
    for a public source, the digest covers its description and date and the draw came on or after
    that date. A draw without a commitment (older records) has nothing to check."""
    committed = draw.seed_commitment
    if committed is None:
        return True
    if committed.source == SeedSource.PUBLIC:
        statement = draw_algorithm.source_statement(
            committed.source_description, committed.source_published_on
        )
        drawn_on = timezone.localdate(draw.created_at) if draw.created_at else timezone.localdate()
        return (
            draw_algorithm.commitment_of(statement) == committed.digest
            and committed.source_published_on is not None
            and drawn_on >= committed.source_published_on
        )
    return draw_algorithm.commitment_of(draw.seed) == committed.digest


@transaction.atomic
def draw_create(
    *,
    cycle: Cycle,
    actor,
    must_include=(),
    excluded: dict | None = None,
    source_value: str = "",
    **typed,
) -> Draw:
    """Draw the spot-check sample once per cycle with the seed committed when the cycle entered spot
    check (revealed now), storing seed, inputs and result. A seed cannot be given: ``typed`` is there
    only to refuse one in Chinese (a form or API call that sends ``seed``). When the commitment names a
    public source, ``source_value`` is the value it published (on or after its date): the seed."""
    if typed:
        field = next(iter(typed))
        raise ApplicationError(
            "随机种子不能填写。",
            fields={
                field: ["随机种子由门户在考评进入“抽检中”时生成，并已公布其承诺值；抽样时自动使用并公开。"]
            },
            code="seed_not_accepted",
        )
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SPOT_CHECK, doing="抽样（请先将考评推进到“抽检中”）")
    if Draw.objects.filter(cycle=cycle).exists():
        raise ApplicationError(
            "本年度已经抽样，不能再次抽样；可在抽样页面复核抽样结果。", code="already_drawn"
        )
    commitment = SeedCommitment.objects.select_for_update().filter(cycle=cycle).first()
    if commitment is None:  # a cycle that entered spot check before commitments existed
        raise ApplicationError(
            "本年度尚未公布抽样种子的承诺值，不能抽样：请先点击“生成并公布种子承诺”，公布后再抽样。",
            code="out_of_order",
        )
    if commitment.source == SeedSource.PUBLIC:
        seed = _public_value(commitment, source_value)
    else:
        seed = commitment.seed
    population = draw_population(cycle)
    ids = [c["id"] for c in population]
    names = {c["id"]: c["name"] for c in population}
    try:
        must = [int(c) for c in must_include]
        excluded = {int(k): (v or "").strip() for k, v in (excluded or {}).items()}
    except (TypeError, ValueError):
        raise ApplicationError(
            "抽样条件有误，请按提示修改。", fields={"must_include": ["必检和排除的中心须按编号填写。"]}
        ) from None
    errors: dict[str, list[str]] = {}
    if any(c not in names for c in must):
        errors["must_include"] = ["必检中心须在本年度参评范围内。"]
    if any(c not in names for c in excluded):
        errors["excluded"] = ["排除的中心须在本年度参评范围内。"]
    both = set(must) & set(excluded)
    if both:
        errors["excluded"] = [f"{'、'.join(names.get(c, str(c)) for c in both)} 不能同时必检和排除。"]
    no_reason = [names.get(c, str(c)) for c, why in excluded.items() if not why]
    if no_reason:
        errors.setdefault("excluded", []).append(f"请写明排除原因：{'、'.join(no_reason)}。")
    k = draw_algorithm.sample_size(cycle.sample_numerator, cycle.sample_denominator, len(ids))
    if len(must) > k:
        errors["must_include"] = [f"必检中心 {len(must)} 个，超过抽检数量 {k} 个。"]
    if errors:
        raise ApplicationError("抽样条件有误，请按提示修改。", fields=errors)
    result = draw_algorithm.draw_sample(
        population=population,
        seed=seed,
        numerator=cycle.sample_numerator,
        denominator=cycle.sample_denominator,
        must_include=must,
        excluded=list(excluded),
    )
    by_id = {c["id"]: c for c in population}
    draw = Draw.objects.create(
        cycle=cycle,
        algorithm=draw_algorithm.ALGORITHM,
        seed=seed,
        seed_commitment=commitment,
        share_numerator=cycle.sample_numerator,
        share_denominator=cycle.sample_denominator,
        sample_size=k,
        population=population,
        must_include=[{"id": c, "name": names[c]} for c in ids if c in set(must)],
        excluded=[{"id": c, "name": names[c], "reason": excluded[c]} for c in ids if c in excluded],
        result=[{"id": c, "name": names[c], "credit_code": by_id[c]["credit_code"]} for c in result],
        drawn_by=actor,
    )
    log_action(
        "evaluations.draw.created",
        actor=actor,
        obj=cycle,
        data={
            "seed": seed,
            "commitment": commitment.digest,
            "sample_size": k,
            "result": [names[c] for c in result],
        },
    )
    return draw


def _public_value(commitment: SeedCommitment, value: str) -> str:
    """The seed from the public source's published value, typed by the bureau at the draw."""
    day = commitment.source_published_on
    if timezone.localdate() < day:
        raise ApplicationError(
            f"公开来源“{commitment.source_description}”将于 {day:%Y-%m-%d} 公布，届时才能抽样。",
            fields={"source_value": [f"请在 {day:%Y-%m-%d} 该数值公布后，再填写并抽样。"]},
            code="out_of_order",
        )
    seed = draw_algorithm.public_seed(value or "")
    if not seed or len(seed) > 64:
        raise ApplicationError(
            "请填写公开来源公布的数值。",
            fields={
                "source_value": [
                    f"请照抄“{commitment.source_description}”公布的数值（不超过 64 个字符），"
                    "如“03 07 12 19 25 31 09”。"
                ]
            },
        )
    return seed


def draw_verify(draw: Draw) -> tuple[list[int], bool]:
    """Re-run the draw from its stored inputs with the algorithm version it records; returns (ids drawn
    now, whether they match the stored result and, for a committed seed, whether SHA-256(seed) equals
    the commitment published before)."""
    rerun = draw_algorithm.sample_for(
        algorithm=draw.algorithm,
        population=draw.population,
        seed=draw.seed,
        numerator=draw.share_numerator,
        denominator=draw.share_denominator,
        must_include=[c["id"] for c in draw.must_include],
        excluded=[c["id"] for c in draw.excluded],
    )
    return rerun, commitment_holds(draw) and rerun == [c["id"] for c in draw.result]


AUDITOR_FILING_PERMS = ("evaluations.view_filing", "evaluations.audit_filing")


@transaction.atomic
def assignment_set(*, cycle: Cycle, center_id: int, auditor, actor, version=0) -> Assignment:
    """Assign a sampled center's filing to an auditor: grants on that filing only, for this cycle.

    ``version`` is the assignment's version its assigner saw (0: none yet). Changing the auditor
    discards the scores entered so far, so a page opened before someone else's change is refused."""
    from accounts.roles import Role

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SPOT_CHECK, doing="分配评估人员")
    draw = Draw.objects.filter(cycle=cycle).first()
    if draw is None:
        raise ApplicationError("尚未抽样，不能分配评估人员。", code="out_of_order")
    if int(center_id) not in {c["id"] for c in draw.result}:
        raise ApplicationError("该中心未被抽中。", fields={"center": ["只能为抽中的中心分配评估人员。"]})
    if auditor is None or auditor.role != Role.AUDITOR:
        raise ApplicationError("请选择抽检评估人员。", fields={"auditor": ["所选用户不是抽检评估人员。"]})
    filing = Filing.objects.get(cycle=cycle, center_id=center_id)
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(filing=filing).first()
    read = parse_version(0 if version in (None, "") else version)
    if read != (assignment.version if assignment else 0):
        raise StaleVersion(read=read, current=assignment.version if assignment else 0)
    before = None
    if assignment:
        if assignment.submitted_at:
            raise ApplicationError("该中心的抽检评分已提交，不能更换评估人员。", code="out_of_order")
        if assignment.auditor_id == auditor.pk:
            return assignment
        before = assignment.auditor.username
        for perm in AUDITOR_FILING_PERMS:
            remove_perm(perm, assignment.auditor, filing)
        AuditScore.objects.filter(filing=filing).delete()
        assignment.auditor = auditor
        assignment.assigned_by = actor
        bump(assignment)
        assignment.save()
    else:
        assignment = Assignment.objects.create(cycle=cycle, filing=filing, auditor=auditor, assigned_by=actor)
    for perm in AUDITOR_FILING_PERMS:
        assign_perm(perm, auditor, filing)
    log_action(
        "evaluations.assignment.set",
        actor=actor,
        obj=filing,
        data={"before": before, "after": auditor.username},
    )
    _notify(
        recipients=[auditor],
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:{assignment.pk}:{auditor.pk}",
        title=f"新的抽检任务：{filing.center.name}",
        body=f"{cycle.year} 年度抽检，截止 {cycle.spot_check_deadline:%Y-%m-%d}。",
        url=reverse("evaluations:audit_score", args=[filing.pk]),
        cycle=cycle,
    )
    return assignment


def _locked_assignment(filing: Filing, actor) -> Assignment:
    """The filing's assignment, locked — for its assigned auditor only. Spot-check scores are the
    auditor's own work: nobody else (bureau staff included) enters or submits them; the bureau changes
    a published score only through ``audit_score_correct``, which records the reason."""
    try:
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("filing__cycle")
            .get(filing=filing)
        )
    except Assignment.DoesNotExist:
        raise ApplicationError("该中心未被分配抽检。", code="out_of_order") from None
    if actor is None or assignment.auditor_id != actor.pk:
        raise ApplicationError(
            "抽检评分只能由分配给该中心的评估人员录入和提交。"
            "区民政局如需更改已公布的抽检分，请在填报页使用“更正抽检分”并写明原因。",
            code="forbidden",
        )
    return assignment


@transaction.atomic
def audit_scores_save(*, filing: Filing, actor, entries: dict, versions: dict) -> list[AuditScore]:
    """Save the auditor's scores. ``entries``: indicator id → {"score", "comment", "confirmed"};
    ``versions``: indicator id → the version of that score its editor read (0: none yet; a score
    changed since refuses the whole save, core.versioning).

    Scored indicators take a score (0 … max, halves); computed ones are re-checked: confirmed keeps
    the computed score, not confirmed gives 0 and needs a comment. All or nothing.
    """
    from ..selectors import indicators_for

    assignment = _locked_assignment(filing, actor)
    filing = assignment.filing
    _require_cycle_state(filing.cycle, CycleState.SPOT_CHECK, doing="抽检评分")
    if assignment.submitted_at:
        raise ApplicationError("抽检评分已提交并锁定，不能修改。", code="locked")
    indicators = {i.pk: i for i in indicators_for(filing.cycle)}
    existing = {s.indicator_id: s for s in AuditScore.objects.filter(filing=filing)}
    _check_row_versions(existing, indicators, entries, versions)
    computed = computed_scores(filing, indicators.values(), filing.snapshot or {})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for indicator_id, entry in entries.items():
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            raise ApplicationError("指标不属于本年度评分表。", fields={"indicator": ["请刷新页面后重试。"]})
        field = f"score_{indicator.pk}"
        comment = (entry.get("comment") or "").strip()
        if indicator.is_computed:
            confirmed = entry.get("confirmed")
            if confirmed in (None, ""):
                continue
            confirmed = confirmed in (True, "true", "1", "yes", "on")
            score, detail = computed[indicator.pk]
            if not confirmed:
                if not comment:
                    errors[field] = [f"{indicator.code}：认定不属实时请写明意见。"]
                    continue
                score = Decimal("0.0")
            cleaned.append((indicator, {"score": score}, comment, confirmed, detail))
        else:
            raw = entry.get("score")
            if raw in (None, ""):
                continue
            try:
                values = parse_entry(indicator, raw, field=field)
            except ApplicationError as exc:
                errors[field] = [f"{indicator.code}：{m}" for m in exc.fields[field]]
                continue
            cleaned.append((indicator, values, comment, None, ""))
    if errors:
        raise ApplicationError("抽检评分有误，请按提示修改。", fields=errors)
    rows = []
    changes = []
    for indicator, values, comment, confirmed, detail in cleaned:
        old = existing.get(indicator.pk)
        changes.append(
            {
                "indicator": indicator.code,
                "before": str(old.score) if old else None,
                "after": str(values["score"]),
            }
        )
        row = _save_score_row(
            AuditScore,
            old,
            filing=filing,
            indicator=indicator,
            **values,
            comment=comment,
            confirmed=confirmed,
            computed_detail=detail,
        )
        rows.append(row)
    if changes:
        log_action("evaluations.audit_score.saved", actor=actor, obj=filing, data={"changes": changes})
    return rows


@transaction.atomic
def assignment_submit(*, filing: Filing, actor) -> Assignment:
    """Submit the spot-check scores: every indicator scored; locks them."""
    from ..selectors import indicators_for

    assignment = _locked_assignment(filing, actor)
    _require_cycle_state(assignment.filing.cycle, CycleState.SPOT_CHECK, doing="提交抽检评分")
    if assignment.submitted_at:
        raise ApplicationError("抽检评分已提交。", code="locked")
    scores = {s.indicator_id: s for s in AuditScore.objects.filter(filing=assignment.filing)}
    indicators = indicators_for(assignment.filing.cycle)
    missing = [i for i in indicators if i.pk not in scores]
    if missing:
        raise ApplicationError(
            f"还有 {len(missing)} 项指标未评分，不能提交。",
            fields={f"score_{i.pk}": [f"未评分：{i.code} {i.name}"] for i in missing},
            code="incomplete",
        )
    assignment.spot_total = filing_tally(assignment.filing.cycle, indicators, scores).total
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["spot_total", "submitted_at", "updated_at"])
    log_action(
        "evaluations.assignment.submitted",
        actor=actor,
        obj=assignment.filing,
        data={"spot_total": str(assignment.spot_total)},
    )
    return assignment


@transaction.atomic
def audit_score_correct(
    *, filing: Filing, indicator: Indicator, actor, score, reason: str, version
) -> AuditScore:
    """After publication, the bureau corrects one spot-check score (recorded); a new result revision follows.

    ``version`` is the one of the score the corrector saw; a score corrected since is refused."""
    _require_cycle_state(filing.cycle, *CORRECTABLE_STATES, doing="更正抽检分（定稿后结果冻结）")
    if not (reason or "").strip():
        raise ApplicationError("请填写更正原因。", fields={"reason": ["更正已公布的结果必须写明原因。"]})
    row = AuditScore.objects.select_for_update().filter(filing=filing, indicator=indicator).order_by().first()
    if row is None:
        raise ApplicationError("该指标没有抽检分。", fields={"indicator": ["只能更正已有的抽检分。"]})
    check_version(row, version)
    values = parse_entry(indicator, score, field="score")
    value = values["score"]
    before = row.score
    for key, new_value in values.items():
        setattr(row, key, new_value)
    row.comment = (row.comment + f"\n〔更正〕{reason.strip()}").strip()
    bump(row)
    row.save()
    assignment = Assignment.objects.get(filing=filing)
    from ..selectors import indicators_for

    rows = {s.indicator_id: s for s in AuditScore.objects.filter(filing=filing)}
    assignment.spot_total = filing_tally(filing.cycle, indicators_for(filing.cycle), rows).total
    assignment.save(update_fields=["spot_total", "updated_at"])
    log_action(
        "evaluations.audit_score.corrected",
        actor=actor,
        obj=filing,
        data={
            "indicator": indicator.code,
            "before": str(before),
            "after": str(value),
            "reason": reason.strip(),
        },
    )
    return row

"""Writes of the registers: one generic create, update and delete for every register, the welfare
projects' stages and the evidence attachments.

Every write checks the actor's right to do exactly this: the row's center must be the actor's own
(a director of that center; the bureau and supervising units read but do not write), the center's
level must keep the register, and the row's year must still be open — once the year's filing has
been submitted (submitted, reviewed or accepted; a returned filing is open again), that year's rows
are neither created, changed nor deleted. One transaction each; an audit entry each; history by
django-simple-history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import CharField, Q, TextField
from django.utils import timezone

from accounts.roles import Role
from centers.choices import CenterLevel
from core.audit import log_action
from core.errors import ApplicationError
from core.storage import StorageFailure, atomic, delete_on_commit
from core.uploads import check_upload
from core.versioning import lock_and_check
from staffing.validators import normalize_phone, phone_error

from .choices import STAGE_ORDER, ProjectStage
from .models import Attachment, WelfareProject, WelfareProjectStage
from .registers import Register, register_of

NOT_YOURS = "只有本中心的主任或工作人员可以登记、修改或删除本中心的台账；区民政局和业务主管单位可以查看。"


def area_filter(center) -> Q:
    """The social organizations of a center's area (the district, its street/town, its industry)."""
    if center.level == CenterLevel.DISTRICT:
        return Q(district_id=center.district_id)
    if center.level == CenterLevel.STREET_TOWN and center.street_town_id:
        return Q(street_town_id=center.street_town_id)
    if center.level == CenterLevel.INDUSTRY and center.industry:
        return Q(industry=center.industry)
    return Q(pk__in=[])


def locked_years(center_id, years) -> set[int]:
    """The years among ``years`` whose filing of this center has been submitted (one query)."""
    from evaluations.choices import EDITABLE_FILING_STATES
    from evaluations.models import Filing

    years = {y for y in years if y}
    if not years:
        return set()
    return set(
        Filing.objects.filter(center_id=center_id, cycle__year__in=years)
        .exclude(state__in=EDITABLE_FILING_STATES)
        .values_list("cycle__year", flat=True)
    )


def lock_message(year: int) -> str:
    return (
        f"{year} 年度的年度填报已提交，该年度的台账不能再新增、修改或删除；"
        f"如需更正，请联系业务主管单位将填报退回后再修改。"
    )


def follow_up_message(register: Register, year: int) -> str:
    labels = "、".join(register.field_label(n) for n in register.follow_up)
    return (
        f"{year} 年度的年度填报已提交：该记录只能登记后续情况（{labels}），其他内容不能再修改；"
        f"如需更正，请联系业务主管单位将填报退回后再修改。"
    )


def _check_follow_up(register: Register, row, before: dict, after: dict) -> None:
    """A row of a submitted year: only its follow-up fields may change, and the follow-up's date —
    before and after — must lie in a year still open (so the frozen year's figures stay as filed)."""
    changed = [n for n in register.fields if before.get(n) != after.get(n)]
    if not register.follow_up or any(n not in register.follow_up for n in changed):
        message = follow_up_message(register, row.year) if register.follow_up else lock_message(row.year)
        fields = {n: [message] for n in changed if n not in register.follow_up} or {"year": [message]}
        raise ApplicationError(message, fields=fields, code="locked")
    on = register.follow_up_on
    if not on:
        return
    dates = {before.get(on), after.get(on)} - {None, ""}
    locked = locked_years(row.center_id, {date.fromisoformat(d).year for d in dates})
    if locked:
        shown = next(d for d in (after.get(on), before.get(on)) if d and date.fromisoformat(d).year in locked)
        year, label = date.fromisoformat(shown).year, register.field_label(on)
        message = (
            f"{label} {shown} 在已提交的 {year} 年度内：该年度的统计已随年度填报冻结，"
            f"请填写 {year} 年以后的日期，或联系业务主管单位将填报退回后再修改。"
        )
        raise ApplicationError(message, fields={on: [message]}, code="locked")


def may_write(actor, center) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or (actor.role == Role.DIRECTOR and actor.center_id == center.pk)


def _check_writer(register: Register, actor, center) -> None:
    if not may_write(actor, center):
        raise ApplicationError(NOT_YOURS, code="forbidden")
    if center.level not in register.levels:
        levels = "、".join(str(CenterLevel(level).label) for level in register.levels)
        raise ApplicationError(f"“{register.label}”由{levels}登记，本中心不登记此台账。", code="forbidden")


def _check_year_open(center_id, year) -> None:
    if year and locked_years(center_id, [year]):
        raise ApplicationError(lock_message(year), fields={"year": [lock_message(year)]}, code="locked")


def _value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def snapshot(register: Register, row) -> dict:
    out = {}
    for name in register.fields:
        if register.field(name).many_to_many:
            out[name] = sorted(row.organizations.values_list("pk", flat=True)) if row.pk else []
        else:
            out[name] = _value(getattr(row, name))
    return out


def _apply(register: Register, row, data: dict) -> dict:
    """Set the plain fields from ``data``; return the many-to-many values to set after saving."""
    many = {}
    for name in register.fields:
        if name not in data:
            continue
        value = data[name]
        model_field = register.field(name)
        if model_field.many_to_many:
            many[name] = list(value or [])
            continue
        if value is None and not model_field.null:
            value = "" if isinstance(model_field, (CharField, TextField)) else model_field.get_default()
        if isinstance(value, str):
            value = value.strip()
        if name in register.masked:
            value = normalize_phone(value)
        setattr(row, name, value)
    return many


def _errors(register: Register, row, many: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    for name in register.date_fields:
        value = getattr(row, name)
        if value and value > today:
            errors.setdefault(name, []).append(
                f"{register.field_label(name)} {value:%Y-%m-%d} 晚于今天：台账登记已经发生的事，请检查日期。"
            )
        if value and value.year < 2000:
            errors.setdefault(name, []).append(
                f"{register.field_label(name)}不合理（早于 2000 年），请检查。"
            )
    for name in register.masked:
        problem = phone_error(getattr(row, name), register.field_label(name))
        if problem:
            errors.setdefault(name, []).append(problem)
    from centers.models import SocialOrganization

    area = SocialOrganization.objects.filter(area_filter(row.center))
    for name in register.foreign_keys:
        target = getattr(row, name)
        if isinstance(target, SocialOrganization) and not area.filter(pk=target.pk).exists():
            errors.setdefault(name, []).append(
                f"“{target.name}”不在本中心服务的区域内，请选择辖区内的社会组织。"
            )
    for name, values in many.items():
        ids = [getattr(v, "pk", v) for v in values]
        outside = set(ids) - set(area.filter(pk__in=ids).values_list("pk", flat=True))
        if outside:
            errors.setdefault(name, []).append(
                f"{register.field_label(name)}中有 {len(outside)} 家不在本中心服务的区域内，请只选择辖区内的社会组织。"
            )
    for check in register.checks:
        for name, messages in check(row).items():
            errors.setdefault(name, []).extend(messages)
    try:
        row.full_clean(exclude=["center", *register.m2m])
    except ValidationError as exc:
        for name, messages in ApplicationError.from_validation_error(exc).fields.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    return errors


def _raise_if(errors) -> None:
    if errors:
        raise ApplicationError("提交的数据有误，请按提示修改。", fields=errors)


def _set_many(row, many: dict) -> None:
    for name, values in many.items():
        getattr(row, name).set(values)


def _year_of(register: Register, row):
    if register.model.date_field:
        value = getattr(row, register.model.date_field)
        return value.year if value else None
    return row.year


def _action(register: Register, verb: str) -> str:
    return f"activities.{register.model._meta.model_name}.{verb}"


@atomic()
def register_create(register: Register, *, center, actor, data: dict, log: bool = True):
    """A new row of ``register`` for ``center`` (the actor's own)."""
    _check_writer(register, actor, center)
    row = register.model(center=center)
    many = _apply(register, row, data)
    _raise_if(_errors(register, row, many))
    _check_year_open(center.pk, _year_of(register, row))
    row.save()
    _set_many(row, many)
    if log:
        log_action(
            _action(register, "created"), actor=actor, obj=row, data={"after": snapshot(register, row)}
        )
    return row


@atomic()
def register_update(register: Register, *, row, version, actor, data: dict):
    """Change a row; ``version`` is the one its editor read (a stale one is refused, 409). A row of a
    submitted year takes only its follow-up (``Register.follow_up``, dated in an open year)."""
    row = lock_and_check(row, version)
    _check_writer(register, actor, row.center)
    submitted = bool(locked_years(row.center_id, [row.year]))
    before = snapshot(register, row)
    many = _apply(register, row, data)
    if submitted:  # only what happened later: see _check_follow_up
        after = {**snapshot(register, row), **{n: sorted(getattr(v, "pk", v) for v in many[n]) for n in many}}
        _check_follow_up(register, row, before, after)
    _raise_if(_errors(register, row, many))
    if not submitted:  # a change of date must not move the row into a submitted year
        _check_year_open(row.center_id, _year_of(register, row))
    row.version += 1
    row.save()
    _set_many(row, many)
    log_action(
        _action(register, "updated"),
        actor=actor,
        obj=row,
        data={"before": before, "after": snapshot(register, row)},
    )
    return row


@atomic()
def register_delete(register: Register, *, row, version, actor) -> None:
    row = lock_and_check(row, version)
    _check_writer(register, actor, row.center)
    _check_year_open(row.center_id, row.year)
    before = snapshot(register, row)
    log_action(_action(register, "deleted"), actor=actor, obj=row, data={"before": before})
    targets = [row]
    if isinstance(row, WelfareProject):
        targets += list(row.stages.all())
    for target in targets:
        _delete_attachments(target)
    row.delete()


def _delete_attachments(target) -> None:
    from django.contrib.contenttypes.models import ContentType

    attachments = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(target)), object_id=target.pk
    )
    for attachment in attachments:
        delete_on_commit(attachment.file.storage, attachment.file.name)
    attachments.delete()


# ---- attachments -----------------------------------------------------------------------------------------
def _row_of(target):
    return target.project if isinstance(target, WelfareProjectStage) else target


@atomic()
def attachment_add(*, target, upload, actor) -> Attachment:
    """Attach an evidence file (checked by content, core.uploads) to a row or a project's stage."""
    row = _row_of(target)
    _check_writer(register_of(type(row)), actor, row.center)
    _check_year_open(row.center_id, row.year)
    if upload is None:
        raise ApplicationError("请选择要上传的文件。", fields={"file": ["请选择要上传的文件。"]})
    name, _mime = check_upload(upload, field="file")
    attachment = Attachment(target=target, name=name, size=upload.size, uploaded_by=actor)
    try:
        attachment.file.save(name, upload, save=False)
    except StorageFailure as exc:
        raise exc.for_field("file") from exc
    attachment.save()
    log_action("activities.attachment.created", actor=actor, obj=row, data={"file": name})
    return attachment


@atomic()
def attachment_delete(*, attachment: Attachment, actor) -> None:
    row = _row_of(attachment.target)
    _check_writer(register_of(type(row)), actor, row.center)
    _check_year_open(row.center_id, row.year)
    log_action("activities.attachment.deleted", actor=actor, obj=row, data={"file": attachment.name})
    delete_on_commit(attachment.file.storage, attachment.file.name)
    attachment.delete()


# ---- welfare projects' stages -----------------------------------------------------------------------------
def next_stage(recorded: list[str]) -> str | None:
    for stage in STAGE_ORDER:
        if stage not in recorded:
            return stage
    return None


@atomic()
def stage_record(*, project: WelfareProject, stage: str, done_on, result: str, actor, document=None):
    """Record one stage of a project. Stages go in order (材料收集 → 资格预审 → 立项 → 项目监管 →
    绩效评估 → 结项): a stage is recorded only once, after the one it follows, and not dated before it."""
    project = WelfareProject.objects.select_for_update().select_related("center").get(pk=project.pk)
    register = register_of(WelfareProject)
    _check_writer(register, actor, project.center)
    _check_year_open(project.center_id, project.year)
    if stage not in STAGE_ORDER:
        raise ApplicationError("请选择环节。", fields={"stage": ["请从列表中选择环节。"]})
    recorded = {s.stage: s for s in project.stages.all()}
    label = ProjectStage(stage).label
    if stage in recorded:
        raise ApplicationError(
            f"“{label}”已经登记过。", fields={"stage": [f"“{label}”已经登记过，请勿重复登记。"]}
        )
    index = STAGE_ORDER.index(stage)
    if index > 0 and STAGE_ORDER[index - 1] not in recorded:
        before = ProjectStage(STAGE_ORDER[index - 1]).label
        message = f"“{label}”须在“{before}”之后登记：请先登记“{before}”。"
        raise ApplicationError(message, fields={"stage": [message]})
    errors: dict[str, list[str]] = {}
    if done_on is None:
        errors["done_on"] = ["请填写日期。"]
    elif done_on > timezone.localdate():
        errors["done_on"] = [f"日期 {done_on:%Y-%m-%d} 晚于今天，请检查。"]
    elif index > 0 and done_on < recorded[STAGE_ORDER[index - 1]].done_on:
        previous = recorded[STAGE_ORDER[index - 1]]
        errors["done_on"] = [
            f"日期早于上一环节“{previous.get_stage_display()}”的日期 {previous.done_on:%Y-%m-%d}，请检查。"
        ]
    if not (result or "").strip():
        errors["result"] = ["请写明该环节的结果。"]
    _raise_if(errors)
    row = WelfareProjectStage.objects.create(
        project=project, stage=stage, done_on=done_on, result=result.strip()
    )
    if document is not None:
        attachment_add(target=row, upload=document, actor=actor)
    log_action(
        "activities.welfareproject.stage_recorded",
        actor=actor,
        obj=project,
        data={"stage": stage, "done_on": done_on.isoformat(), "result": row.result},
    )
    return row

"""Writes of the staffing app. Every write is one transaction; bad input raises ApplicationError with
Chinese messages naming the field; a save names the version it was read at (lost-update refusal);
every change is recorded with core.audit.log_action (before/after) and django-simple-history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField
from django.utils import timezone

from core.audit import log_action
from core.errors import ApplicationError
from core.storage import StorageFailure, atomic
from core.uploads import check_upload
from core.versioning import check_version

from .choices import StaffKind
from .models import StaffMember, TalentProfile, Training
from .validators import (
    MAX_MONTHLY_PAY,
    MAX_MONTHLY_SUBSIDY,
    MAX_TRAINING_HOURS,
    MAX_YEARS_OF_EXPERIENCE,
    money_error,
    normalize_phone,
    phone_error,
)

MEMBER_FIELDS = (
    "name",
    "gender",
    "kind",
    "is_rehired",
    "position",
    "is_legal_representative",
    "start_date",
    "end_date",
    "post_grade",
    "monthly_pay",
    "transport_subsidy",
    "meal_subsidy",
    "social_worker_level",
    "other_certificates",
    "mobile_phone",
    "note",
)
TRAINING_FIELDS = ("title", "organizer", "held_on", "hours")
TALENT_FIELDS = (
    "name",
    "gender",
    "organization_name",
    "expertise",
    "expertise_detail",
    "certificates",
    "years_of_experience",
    "willing_to_lecture",
    "willing_to_consult",
    "mobile_phone",
    "is_leading_talent",
    "is_party_backbone",
)


def _snapshot(obj, fields) -> dict:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = (
            value.isoformat()
            if isinstance(value, date)
            else (str(value) if isinstance(value, Decimal) else value)
        )
    return out


def _full_clean(obj, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise ApplicationError.from_validation_error(exc) from exc


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError("提交的数据有误，请按提示修改。", fields=errors)


# ---- staff members --------------------------------------------------------------------------------


def _member_errors(member: StaffMember) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        if message:
            errors.setdefault(field, []).append(message)

    if not (member.name or "").strip():
        add("name", "请填写姓名。")
    if member.start_date and member.end_date and member.end_date < member.start_date:
        add(
            "end_date",
            f"离职日期 {member.end_date:%Y-%m-%d} 早于入职日期 {member.start_date:%Y-%m-%d}，请检查离职日期。",
        )
    if member.start_date and member.start_date.year < 1950:
        add("start_date", "入职日期不合理（早于 1950 年），请检查。")
    add("monthly_pay", money_error(member.monthly_pay, "月薪酬", MAX_MONTHLY_PAY))
    add("transport_subsidy", money_error(member.transport_subsidy, "车费补贴", MAX_MONTHLY_SUBSIDY))
    add("meal_subsidy", money_error(member.meal_subsidy, "餐费补贴", MAX_MONTHLY_SUBSIDY))
    if member.kind == StaffKind.VOLUNTEER and member.monthly_pay:
        add(
            "monthly_pay",
            "志愿者不支薪（R-PAY-4）：请将月薪酬留空或填 0；车费、餐费补贴请分别填入“车费补贴”“餐费补贴”。",
        )
    if member.is_rehired and member.kind != StaffKind.LABOR:
        add("is_rehired", "返聘人员属于劳务人员（含返聘人员）：请将人员类别选为“劳务”，或取消“返聘人员”。")
    add("mobile_phone", phone_error(member.mobile_phone))
    return errors


def _validate_contract(upload) -> None:
    """The same check as every other document (core.uploads): by content, size, no path in the name."""
    if upload is not None:
        check_upload(upload, field="contract")


def _apply(obj, data: dict, fields) -> None:
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        field = obj._meta.get_field(name)
        if value is None and not field.null:
            value = "" if isinstance(field, CharField) else field.get_default()
        if name == "mobile_phone":
            value = normalize_phone(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def _save_contract(member: StaffMember, upload) -> None:
    if upload is None:
        return
    member.contract_filename = PurePath(upload.name).name[:200]
    try:
        member.contract.save(upload.name, upload, save=False)
    except StorageFailure as exc:
        raise exc.for_field("contract") from exc


@atomic()  # a contract file written for a save that fails is removed with it
def staff_member_create(*, center, actor, contract=None, **data) -> StaffMember:
    member = StaffMember(center=center)
    _apply(member, data, MEMBER_FIELDS)
    _raise_if(_member_errors(member))
    _validate_contract(contract)
    _full_clean(member, exclude=["contract"])
    _save_contract(member, contract)
    member.save()
    log_action(
        "staffing.member.created", actor=actor, obj=member, data={"after": _snapshot(member, MEMBER_FIELDS)}
    )
    return member


@atomic()
def staff_member_update(*, member: StaffMember, version, actor, contract=None, **data) -> StaffMember:
    """Change a roster row. ``version`` is the one the editor read; a different current one is refused."""
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    check_version(member, version)
    before = _snapshot(member, MEMBER_FIELDS)
    _apply(member, data, MEMBER_FIELDS)
    _raise_if(_member_errors(member))
    _validate_contract(contract)
    _full_clean(member, exclude=["contract"])
    _save_contract(member, contract)
    member.version += 1
    member.save()
    log_action(
        "staffing.member.updated",
        actor=actor,
        obj=member,
        data={
            "before": before,
            "after": _snapshot(member, MEMBER_FIELDS),
            "contract_replaced": contract is not None,
        },
    )
    return member


def staff_member_end(*, member: StaffMember, end_date: date, version, actor) -> StaffMember:
    """End a person's employment (the row stays: the roster at past dates still shows them)."""
    if end_date is None:
        raise ApplicationError(
            "请填写离职日期。", fields={"end_date": ["请填写离职日期（结束聘用的日期）。"]}
        )
    return staff_member_update(member=member, version=version, actor=actor, end_date=end_date)


def member_in_filings(member: StaffMember) -> bool:
    """True when a filed roster snapshot (evaluations.Filing.snapshot["roster"]) names this person.

    Read in Python over the center's filings (one a year), so it works on SQLite and PostgreSQL alike.
    """
    from django.apps import apps

    try:
        filing_model = apps.get_model("evaluations", "Filing")
    except LookupError:
        return False
    snapshots = (
        filing_model.objects.filter(center_id=member.center_id)
        .exclude(snapshot={})
        .values_list("snapshot", flat=True)
    )
    for snapshot in snapshots:
        people = ((snapshot or {}).get("roster") or {}).get("people") or []
        if any(p.get("id") == member.pk for p in people if isinstance(p, dict)):
            return True
    return False


def staff_member_can_be_deleted(member: StaffMember, today: date | None = None) -> bool:
    """Only a row entered by mistake may be deleted: one whose start date is in the current year and
    that no filed roster snapshot names.

    A person who started in a past year may appear in a past year's filing, so they are never deleted
    (even before any filing exists); their employment is ended instead.
    """
    today = today or timezone.localdate()
    return member.start_date.year >= today.year and not member_in_filings(member)


@transaction.atomic
def staff_member_delete(*, member: StaffMember, version, actor) -> None:
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    check_version(member, version)
    if not staff_member_can_be_deleted(member):
        raise ApplicationError(
            f"{member.name}自 {member.start_date.year} 年起在册，已经或可能出现在年度填报中，不能删除。"
            "如已离职，请使用“结束聘用”登记离职日期。",
            code="protected",
        )
    log_action(
        "staffing.member.deleted", actor=actor, obj=member, data={"before": _snapshot(member, MEMBER_FIELDS)}
    )
    if member.contract:
        member.contract.delete(save=False)
    member.delete()


def log_contract_download(*, member: StaffMember, actor) -> None:
    log_action(
        "staffing.member.contract_downloaded",
        actor=actor,
        obj=member,
        data={"file": member.contract_filename},
    )


# ---- trainings ------------------------------------------------------------------------------------


def _training_errors(training: Training, attendees) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (training.title or "").strip():
        errors["title"] = ["请填写培训名称。"]
    if not (training.organizer or "").strip():
        errors["organizer"] = ["请填写主办单位。"]
    if training.hours is not None and (training.hours <= 0 or training.hours > MAX_TRAINING_HOURS):
        errors["hours"] = [f"学时须大于 0 且不超过 {MAX_TRAINING_HOURS}，请检查。"]
    foreign = [a for a in attendees if a.center_id != training.center_id]
    if foreign:
        errors["attendees"] = ["参训人员须为本中心名册上的人员。"]
    return errors


@transaction.atomic
def training_create(*, center, actor, attendees=(), **data) -> Training:
    training = Training(center=center)
    _apply(training, data, TRAINING_FIELDS)
    attendees = list(attendees)
    _raise_if(_training_errors(training, attendees))
    _full_clean(training)
    training.save()
    training.attendees.set(attendees)
    log_action(
        "staffing.training.created",
        actor=actor,
        obj=training,
        data={"after": {**_snapshot(training, TRAINING_FIELDS), "attendees": [a.pk for a in attendees]}},
    )
    return training


@transaction.atomic
def training_update(*, training: Training, version, actor, attendees=None, **data) -> Training:
    training = Training.objects.select_for_update().get(pk=training.pk)
    check_version(training, version)
    before = {
        **_snapshot(training, TRAINING_FIELDS),
        "attendees": list(training.attendees.values_list("pk", flat=True)),
    }
    _apply(training, data, TRAINING_FIELDS)
    attendees = list(attendees) if attendees is not None else list(training.attendees.all())
    _raise_if(_training_errors(training, attendees))
    _full_clean(training)
    training.version += 1
    training.save()
    training.attendees.set(attendees)
    log_action(
        "staffing.training.updated",
        actor=actor,
        obj=training,
        data={
            "before": before,
            "after": {**_snapshot(training, TRAINING_FIELDS), "attendees": [a.pk for a in attendees]},
        },
    )
    return training


@transaction.atomic
def training_delete(*, training: Training, version, actor) -> None:
    training = Training.objects.select_for_update().get(pk=training.pk)
    check_version(training, version)
    if training.held_on.year < timezone.localdate().year:
        raise ApplicationError(
            f"{training.held_on.year} 年的培训可能已计入以往年度的填报，不能删除；如有错误请修改。",
            code="protected",
        )
    log_action(
        "staffing.training.deleted",
        actor=actor,
        obj=training,
        data={"before": _snapshot(training, TRAINING_FIELDS)},
    )
    training.delete()


# ---- talent pool ----------------------------------------------------------------------------------


def talent_errors(profile: TalentProfile) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (profile.name or "").strip():
        errors["name"] = ["请填写姓名。"]
    if not (profile.organization_name or "").strip():
        errors["organization_name"] = ["请填写所在社会组织。"]
    years = profile.years_of_experience
    if years is not None and (years < 0 or years > MAX_YEARS_OF_EXPERIENCE):
        errors["years_of_experience"] = [f"从业年限须在 0 到 {MAX_YEARS_OF_EXPERIENCE} 年之间，请检查。"]
    message = phone_error(profile.mobile_phone)
    if message:
        errors["mobile_phone"] = [message]
    return errors


@transaction.atomic
def talent_create(*, center, actor, **data) -> TalentProfile:
    profile = TalentProfile(center=center)
    _apply(profile, data, TALENT_FIELDS)
    _raise_if(talent_errors(profile))
    _full_clean(profile)
    profile.save()
    log_action(
        "staffing.talent.created", actor=actor, obj=profile, data={"after": _snapshot(profile, TALENT_FIELDS)}
    )
    return profile


@transaction.atomic
def talent_update(*, profile: TalentProfile, version, actor, **data) -> TalentProfile:
    profile = TalentProfile.objects.select_for_update().get(pk=profile.pk)
    check_version(profile, version)
    before = _snapshot(profile, TALENT_FIELDS)
    _apply(profile, data, TALENT_FIELDS)
    _raise_if(talent_errors(profile))
    _full_clean(profile)
    profile.version += 1
    profile.save()
    log_action(
        "staffing.talent.updated",
        actor=actor,
        obj=profile,
        data={"before": before, "after": _snapshot(profile, TALENT_FIELDS)},
    )
    return profile


@transaction.atomic
def talent_delete(*, profile: TalentProfile, version, actor) -> None:
    profile = TalentProfile.objects.select_for_update().get(pk=profile.pk)
    check_version(profile, version)
    log_action(
        "staffing.talent.deleted",
        actor=actor,
        obj=profile,
        data={"before": _snapshot(profile, TALENT_FIELDS)},
    )
    profile.delete()


def log_personal_data_export(*, actor, what: str, obj=None, rows: int, masked: bool) -> None:
    """Every export of personal data is recorded: who, when (the entry's time), what."""
    log_action(f"staffing.export.{what}", actor=actor, obj=obj, data={"rows": rows, "phones_masked": masked})

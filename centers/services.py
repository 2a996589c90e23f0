"""Writes of the centers app. Each service validates (Chinese messages naming the field), saves inside
one transaction and leaves an audit entry; django-simple-history keeps every version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict

from core.audit import log_action
from core.errors import ApplicationError
from core.selectors import policy_value
from core.storage import StorageFailure, atomic
from core.uploads import check_upload
from core.versioning import bump, lock_and_check

from .choices import CenterLevel
from .models import RatingRecord, ServiceCenter, SocialOrganization
from .rules import add_years
from .selectors import current_district
from .validators import credit_code_kind_error, normalise_credit_code, validate_credit_code


def _clean_and_save(instance, *, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ApplicationError.from_validation_error(exc) from None
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a race past full_clean's unique checks
        # the database's own words (English, with the constraint's name) go to the log, not to the user
        raise ApplicationError(
            "与已有记录重复（可能有人刚刚提交了相同的内容），请检查后重试。",
            fields={"__all__": ["与已有记录重复，请核对后重新填写。"]},
        ) from exc


def _snapshot(instance) -> dict:
    data = model_to_dict(instance)
    return {k: ((v.name or None) if isinstance(v, FieldFile) else v) for k, v in data.items()}


# ---- centers -----------------------------------------------------------------------------------------


def district_problems(instance, names=("street_town", "supervising_unit")) -> dict[str, list[str]]:
    """One district per installation: the record, its street/town and its unit must be this district's."""
    district = current_district()
    fields: dict[str, list[str]] = {}
    if instance.district_id != district.pk:
        fields["district"] = [f"只能登记{district.name}的数据，请从本区选择。"]
    for name in names:
        related = getattr(instance, name, None) if getattr(instance, f"{name}_id", None) else None
        if related is not None and related.district_id != district.pk:
            label = instance._meta.get_field(name).verbose_name
            fields[name] = [f"“{related}”不属于{district.name}，请从本区的{label}中选择。"]
    return fields


def _validate_center(center: ServiceCenter) -> None:
    if center.district_id is None:
        center.district = current_district()
    fields: dict[str, list[str]] = district_problems(center)
    if center.credit_code:
        center.credit_code = normalise_credit_code(center.credit_code)
        try:
            validate_credit_code(center.credit_code)
        except ValidationError as exc:
            fields["credit_code"] = exc.messages
        else:
            if center.credit_code[1] != "2":
                fields["credit_code"] = ["服务中心为民办非企业单位，统一社会信用代码第 2 位应为 2，请核对。"]
    if center.level == CenterLevel.STREET_TOWN and not center.street_town_id:
        fields["street_town"] = ["街镇服务中心须选择所在街镇。"]
    if center.level == CenterLevel.INDUSTRY and not center.industry:
        fields["industry"] = ["行业服务中心须填写所属行业。"]
    if center.level != CenterLevel.STREET_TOWN and center.street_town_id:
        fields["street_town"] = ["只有街镇服务中心选择所在街镇；请清空该项或修改层级。"]
    if center.registered_on and center.established_on and center.registered_on < center.established_on:
        pass  # registration may follow establishment or precede it; both are recorded as given
    if fields:
        raise ApplicationError("服务中心信息有误，请按提示修改。", fields=fields)


# A center's identity is the registration authority's record: what it is (level, district, area or
# industry, unit), its legal-person registration and its representative. They flow into public pages,
# the compliance rules and official PDFs, so only the bureau changes them; the center's own people
# keep its contacts, address and profile (issue 14 §1: duties apart, enforced here, not in forms).
CENTER_IDENTITY_FIELDS = (
    "district",
    "level",
    "name",
    "credit_code",
    "street_town",
    "industry",
    "supervising_unit",
    "status",
    "registered_on",
    "established_on",
    "legal_representative",
)
BUREAU_ONLY_MESSAGE = "该项由区民政局（登记管理机关）维护；如需更正，请联系区民政局。"


def is_bureau(actor) -> bool:
    """Bureau staff hold the model-wide change permission (their group); nobody else does."""
    return actor is not None and actor.is_active and actor.has_perm("centers.change_servicecenter")


def _require_bureau_for_identity(center: ServiceCenter, data: dict, actor) -> None:
    if is_bureau(actor):
        return
    if center.pk is None:
        raise ApplicationError("只有区民政局可以新建服务中心。", code="forbidden")
    current = type(center).objects.filter(pk=center.pk).values(*CENTER_IDENTITY_FIELDS).get()
    changed = {}
    for name in CENTER_IDENTITY_FIELDS:
        if name not in data and f"{name}_id" not in data:
            continue
        value = data.get(name, data.get(f"{name}_id"))
        value = getattr(value, "pk", value)
        if value != current[name]:
            changed[name] = [BUREAU_ONLY_MESSAGE]
    if changed:
        raise ApplicationError("服务中心的登记信息只能由区民政局修改。", fields=changed, code="forbidden")


def _require_bureau_for_rating(actor) -> None:
    if not is_bureau(actor):
        raise ApplicationError(
            "等级评估结果由区民政局登记，服务中心不能自行录入、修改或删除。", code="forbidden"
        )


def _locked_for_update(instance, version):
    """For an update: the stored row, locked, after refusing a stale ``version``; the instance's version
    moves on by one. For a create: None."""
    if instance.pk is None:
        return None
    current = lock_and_check(instance, version)
    bump(instance, current)
    return current


@transaction.atomic
def center_save(*, center: ServiceCenter, data: dict, actor, version=None) -> ServiceCenter:
    """Create (``center.pk`` is None) or update a service center from cleaned ``data``; the
    identity fields (CENTER_IDENTITY_FIELDS) and creation are the bureau's.

    An update names the ``version`` its editor read; a stale one is refused (core.versioning)."""
    _require_bureau_for_identity(center, data, actor)
    creating = center.pk is None
    current = _locked_for_update(center, version)
    before = _snapshot(current) if current else {}
    for name, value in data.items():
        setattr(center, name, value)
    _validate_center(center)
    _clean_and_save(center)
    # Nothing to re-grant when the supervising unit changes: access follows the unit at request time.
    log_action(
        "centers.center.created" if creating else "centers.center.changed",
        actor=actor,
        obj=center,
        data={"before": before, "after": _snapshot(center)},
    )
    return center


# ---- register rows of a center ------------------------------------------------------------------------


def _validate_record(instance) -> None:
    fields = {}
    starts, ends = getattr(instance, "starts_on", None), getattr(instance, "ends_on", None)
    if starts and ends and ends < starts:
        fields["ends_on"] = ["截止日期早于起始日期，请核对。"]
    term_start, term_end = getattr(instance, "term_start", None), getattr(instance, "term_end", None)
    if term_start and term_end and term_end < term_start:
        fields["term_end"] = ["任期止早于任期起，请核对。"]
    since, until = getattr(instance, "since", None), getattr(instance, "until", None)
    if since and until and until < since:
        fields["until"] = ["截止日期早于起始日期，请核对。"]
    contract = getattr(instance, "contract", None)
    if contract is not None and contract.center_id != instance.center_id:
        fields["contract"] = ["所选合同不属于本中心。"]
    if fields:
        raise ApplicationError("记录有误，请按提示修改。", fields=fields)


@atomic()  # an uploaded copy written for a save that fails is removed with it
def record_save(*, instance, data: dict, actor, version=None):
    """Create or update one register row hanging off a center (venue, income line, rule, …).

    An update names the ``version`` its editor read; a stale one is refused (core.versioning)."""
    if isinstance(instance, RatingRecord):
        _require_bureau_for_rating(actor)
    creating = instance.pk is None
    current = _locked_for_update(instance, version)
    before = _snapshot(current) if current else {}
    file_fields = []
    for name, value in data.items():
        if isinstance(value, UploadedFile):
            check_upload(value, field=name)  # by content: PDF, JPEG, PNG, DOCX, XLSX; size; no path
            file_fields.append(name)
        setattr(instance, name, value)
    if isinstance(instance, RatingRecord):
        _set_valid_until(instance)
    _validate_record(instance)
    try:
        _clean_and_save(instance)
    except StorageFailure as exc:
        raise exc.for_field(file_fields[0]) if file_fields else exc from exc
    log_action(
        f"centers.{instance._meta.model_name}.{'created' if creating else 'changed'}",
        actor=actor,
        obj=instance,
        data={"before": before, "after": _snapshot(instance)},
    )
    return instance


@transaction.atomic
def record_delete(*, instance, actor, version) -> None:
    """Delete one register row; ``version`` is the one its deleter read (a changed row is refused)."""
    if isinstance(instance, RatingRecord):
        _require_bureau_for_rating(actor)
    instance = lock_and_check(instance, version)
    before = _snapshot(instance)
    log_action(
        f"centers.{instance._meta.model_name}.deleted", actor=actor, obj=instance, data={"before": before}
    )
    instance.delete()


def _set_valid_until(rating: RatingRecord) -> None:
    if rating.rated_on:
        rating.valid_until = add_years(rating.rated_on, int(policy_value("rating_valid_years")))


# ---- social organizations -----------------------------------------------------------------------------


def organization_problems(
    *,
    credit_code: str,
    kind: str,
    street_town_id=None,
    industry: str = "",
    status: str = "",
    deregistered_on=None,
    party_status: str = "",
    party_status_on=None,
) -> tuple[dict[str, list[str]], list[str]]:
    """(errors by field, warnings) for one organization's key data; shared by the form and the import."""
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    code = normalise_credit_code(credit_code)
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    else:
        mismatch = credit_code_kind_error(code, kind)
        if mismatch:
            errors["kind"] = [mismatch]
        from .validators import credit_code_warnings

        warnings.extend(credit_code_warnings(code))
    if not street_town_id and not industry:
        errors["street_town"] = ["请选择所在街镇或填写所属行业（至少一项）。"]
    if status == "deregistered" and not deregistered_on:
        errors["deregistered_on"] = ["状态为注销时须填写注销日期。"]
    if status == "active" and deregistered_on:
        errors["deregistered_on"] = ["状态为正常的组织不应有注销日期；请清空注销日期或把状态改为注销。"]
    from .choices import COVERED_PARTY_STATUSES

    if party_status in COVERED_PARTY_STATUSES and not party_status_on:
        errors["party_status_on"] = ["已覆盖（单独组建、联合组建或党建指导员覆盖）时须填写覆盖情况日期。"]
    if not party_status and party_status_on:
        errors["party_status"] = ["填写了覆盖情况日期时须选择党组织覆盖情况。"]
    return errors, warnings


@transaction.atomic
def organization_save(
    *, organization: SocialOrganization, data: dict, actor, version=None
) -> tuple[SocialOrganization, list[str]]:
    """Create or update a social organization (bureau only). Returns it and the code's warnings.

    An update names the ``version`` its editor read; a stale one is refused (core.versioning)."""
    creating = organization.pk is None
    current = _locked_for_update(organization, version)
    before = _snapshot(current) if current else {}
    for name, value in data.items():
        setattr(organization, name, value)
    organization.credit_code = normalise_credit_code(organization.credit_code)
    errors, warnings = organization_problems(
        credit_code=organization.credit_code,
        kind=organization.kind,
        street_town_id=organization.street_town_id,
        industry=organization.industry,
        status=organization.status,
        deregistered_on=organization.deregistered_on,
        party_status=organization.party_status,
        party_status_on=organization.party_status_on,
    )
    if organization.district_id is None:
        organization.district = current_district()
    errors.update(district_problems(organization, names=("street_town",)))
    if errors:
        raise ApplicationError("社会组织信息有误，请按提示修改。", fields=errors)
    _clean_and_save(organization)
    log_action(
        "centers.organization.created" if creating else "centers.organization.changed",
        actor=actor,
        obj=organization,
        data={"before": before, "after": _snapshot(organization)},
    )
    return organization, warnings

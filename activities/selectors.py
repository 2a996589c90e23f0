"""Reads of the registers: the list (filters, search, a constant number of queries), a row's cells as a
person reads them, its history, the open early warnings of a center, and the organizations missing
their 年检 one year and two years in a row."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from centers.models import ServiceCenter, SocialOrganization
from centers.selectors import HISTORY_TYPES, _field_label
from core.errors import BadInput
from core.permissions import restrict
from staffing.selectors import mask_phone

from .choices import AnnualResult
from .figures import FIGURE_REGISTERS, figure_filter
from .models import AnnualInspection, Attachment, EarlyWarning
from .registers import OVERDUE_DAYS, Register, warning_age  # noqa: F401  (the API reads warning_age here)
from .services import area_filter


def writable_center_ids(user) -> set[int] | None:
    """Centers whose phones ``user`` reads unmasked: the bureau (None: all) and a center's own people."""
    if user.is_superuser or user.has_perm("centers.change_servicecenter"):
        return None
    return set(restrict(ServiceCenter.objects.all(), user, "change").values_list("pk", flat=True))


def list_queryset(register: Register, user, params) -> QuerySet:
    """The rows ``user`` may read, narrowed by the list's filters (bad values: 400 naming the filter)."""
    from core.params import int_param

    model = register.model
    related = ["center", *[n for n in register.columns if n in register.foreign_keys]]
    qs = restrict(model.objects.select_related(*related), user, "view")
    if register.m2m:
        qs = qs.prefetch_related(*register.m2m)
    center = int_param(params, "center", label="服务中心")
    if center:
        qs = qs.filter(center_id=center)
    year = int_param(params, "year", label="年度")
    figure = params.get("figure") or ""
    if figure:
        if figure not in FIGURE_REGISTERS or FIGURE_REGISTERS[figure][1] is not model or not year:
            raise BadInput("“统计口径”无效：请从年度填报中的链接进入。", field="figure")
        qs = qs.filter(figure_filter(figure, year))
    elif year:
        qs = qs.filter(year=year)
    for name in register.filters:
        value = params.get(name) or ""
        if value:
            choices = dict(register.field(name).choices)
            if value not in choices:
                raise BadInput(f"“{register.field_label(name)}”的筛选值无效，请从列表中选择。", field=name)
            qs = qs.filter(**{name: value})
    if register.slug == "early-warnings" and params.get("open"):
        qs = qs.filter(closed_on__isnull=True)
    q = (params.get("q") or "").strip()
    if q and register.search:
        condition = Q()
        for name in register.search:
            condition |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(condition)
    return qs


def cell(register: Register, row, name: str, visible) -> str:
    """One column of a row as text (choices by label, dates as YYYY-MM-DD, phones masked)."""
    if name == "age":
        days = warning_age(row)
        return f"{days} 天" + ("" if row.closed_on else "（未办结）")
    model_field = register.field(name)
    if model_field.many_to_many:
        return "、".join(o.name for o in getattr(row, name).all())
    if model_field.choices:
        return getattr(row, f"get_{name}_display")()
    value = getattr(row, name)
    if value is None or value == "":
        return ""
    if name in register.masked and not (visible is None or row.center_id in visible):
        return mask_phone(value)
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def registry_url(register: Register, row, name: str) -> str:
    """The registry's entry of an organization a row names (the 社会组织名录 found by its credit
    code), or "" for any other column."""
    if name == "age" or not register.field(name).many_to_one:
        return ""
    if register.field(name).related_model is not SocialOrganization:
        return ""
    organization = getattr(row, name)
    if organization is None:
        return ""
    return f"{reverse('centers:organization_list')}?{urlencode({'q': organization.credit_code})}"


def overdue(row) -> bool:
    return isinstance(row, EarlyWarning) and row.closed_on is None and warning_age(row) > OVERDUE_DAYS


def attachments_of(target) -> list[Attachment]:
    return list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(target)), object_id=target.pk
        ).select_related("uploaded_by")
    )


def row_history(register: Register, row, limit: int = 50) -> list[dict]:
    records = list(
        register.model.history.filter(id=row.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries, prev = [], None
    for record in records:
        changes = []
        if prev is not None and record.history_type == "~":
            delta = record.diff_against(prev, foreign_keys_are_objs=False)
            changes = [
                {"field": _field_label(register.model, c.field), "old": c.old, "new": c.new}
                for c in delta.changes
                if c.field not in ("version", "updated_at")
            ]
        prev = record
        entries.append(
            {
                "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                "user": record.history_user.display_name if record.history_user else "系统",
                "date": record.history_date,
                "changes": changes,
            }
        )
    return list(reversed(entries))[:limit]


def overdue_warnings(center) -> list[EarlyWarning]:
    """The center's early warnings open for more than 30 days, oldest first (one query)."""
    limit = timezone.localdate().toordinal() - OVERDUE_DAYS
    rows = EarlyWarning.objects.filter(
        center=center, closed_on__isnull=True, found_on__lt=date.fromordinal(limit)
    ).select_related("organization")
    return list(rows.order_by("found_on", "pk"))


def _inspected(year: int) -> Exists:
    return Exists(
        AnnualInspection.objects.filter(organization=OuterRef("pk"), year=year).exclude(
            result=AnnualResult.ABSENT
        )
    )


def missing_inspection_q(year: int, *, two_years: bool = False) -> Q:
    """The one rule of a missing 年检 (for the registry's filter and the missing list): an active
    organization registered before ``year`` with no 年检 of ``year`` (none recorded, or 未参检);
    ``two_years``: registered before ``year - 1`` and missing that year's too."""
    q = Q(status="active", registered_on__lt=date(year, 1, 1)) & ~_inspected(year)
    if two_years:
        q &= Q(registered_on__lt=date(year - 1, 1, 1)) & ~_inspected(year - 1)
    return q


def missing_inspections(center, year: int) -> list[dict]:
    """The organizations of the center's area missing their 年检 of ``year`` (missing_inspection_q),
    each with ``two_years``. One query."""
    organizations = (
        SocialOrganization.objects.filter(area_filter(center))
        .filter(missing_inspection_q(year))
        .annotate(
            two_years=ExpressionWrapper(
                missing_inspection_q(year, two_years=True), output_field=BooleanField()
            )
        )
        .order_by("name", "pk")
        .only("pk", "name", "credit_code", "registered_on")
    )
    return [{"organization": o, "two_years": o.two_years} for o in organizations]


def annotate_inspections(organizations, year: int) -> None:
    """Set ``inspection`` on each organization of a registry page: “2025 年合格”, “2025 年未年检”,
    “连续两年未年检（2024、2025）”, or “—” when not due (by missing_inspection_q's rule). One query."""
    organizations = list(organizations)
    results = {
        (organization_id, y): result
        for organization_id, y, result in AnnualInspection.objects.filter(
            organization__in=[o.pk for o in organizations], year__in=(year, year - 1)
        ).values_list("organization_id", "year", "result")
    }
    labels = dict(AnnualResult.choices)
    for o in organizations:
        result = results.get((o.pk, year))
        if o.status != "active" or not o.registered_on or o.registered_on >= date(year, 1, 1):
            o.inspection = f"{year} 年{labels[result]}" if result else "—"
        elif result and result != AnnualResult.ABSENT:
            o.inspection = f"{year} 年{labels[result]}"
        elif o.registered_on < date(year - 1, 1, 1) and results.get((o.pk, year - 1)) in (
            None,
            AnnualResult.ABSENT,
        ):
            o.inspection = f"连续两年未年检（{year - 1}、{year}）"
            o.inspection_gap = "two_years"
        else:
            o.inspection = f"{year} 年未年检"
            o.inspection_gap = "missing"

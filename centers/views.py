"""Pages of the centers app. Short views: read input, call one selector or service, render.

Access: every object comes through ``core.permissions.restrict``; a miss is a 404. The district
overview and the organization registry's writes are the bureau's (model-wide permissions).
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, access, in_scope
from core.audit import log_action
from core.errors import ApplicationError
from core.idempotency import REPEATED_MESSAGE, create_once
from core.import_flow import import_commit, import_page
from core.paging import IdsFirstPaginator
from core.permissions import restrict
from core.spreadsheets import XLSX
from core.uploads import safe_filename
from reports.dashboards import district_dashboard

from . import importing, selectors, services
from .compliance import RuleStatus
from .compliance_table import STAFF_RULES, computed_note
from .filtersets import CenterFilterSet, OrganizationFilterSet
from .forms import (
    FILE_FIELDS,
    REGISTER_KINDS,
    DeleteForm,
    ImportForm,
    OrganizationForm,
    center_form_class,
    register_form_class,
)
from .models import RatingRecord, ServiceCenter, SocialOrganization
from .rules import rule_title

OVERVIEW_RULES = (
    "STAFF",
    "R-VENUE-1",
    "R-VENUE-2",
    "R-FUND-2",
    "R-FUND-3",
    "R-GOV-2",
    "R-ARCH-2",
    "R-EFF-1",
    "R-EFF-2",
)
# The overview's first column is the center's own staffing verdict (one of STAFF_RULES).
SHOWN = STAFF_RULES + OVERVIEW_RULES[1:]  # the results the overview reads (its counts are of every rule)


# The overview's and the center list's rows a page: each row is ten verdicts with their reasons
# (about 2.7 KB of HTML), so 100 a page made 268 KiB pages at 300 centers.
OVERVIEW_PAGE_SIZE = 50


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _is_bureau(user) -> bool:
    return user.has_perm("centers.view_servicecenter")


def _page(request, queryset, per_page=50, paginator=Paginator):
    page = paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _apply_error(form, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _overview_context(request, centers_qs, template):
    year = _year(request)
    filterset = CenterFilterSet(request.GET, queryset=centers_qs)
    centers = filterset.qs
    compliance = request.GET.get("compliance", "")
    if compliance in ("not_met", "no_data"):
        # Filtering on the verdicts needs every filtered center judged first (still constant queries).
        rows = [r for r in selectors.overview_rows(list(centers), year, SHOWN) if r["counts"][compliance]]
        page, query = _page(request, rows, per_page=OVERVIEW_PAGE_SIZE)
        rows = list(page.object_list)
    else:
        page, query = _page(request, centers, per_page=OVERVIEW_PAGE_SIZE)
        rows = selectors.overview_rows(list(page.object_list), year, SHOWN)
    for row in rows:
        staff = next((r for r in row["results"] if r.rule in STAFF_RULES), None)
        row["cells"] = [staff] + [row["by_rule"].get(rule) for rule in OVERVIEW_RULES[1:]]
    return {
        "year": year,
        "filter": filterset,
        "rows": rows,
        "page": page,
        "query": query,
        "compliance": compliance,
        "headers": [("R-STAFF", "专职人员")] + [(r, rule_title(r)) for r in OVERVIEW_RULES[1:]],
        "statuses": RuleStatus,
        "template": template,
        "computed_note": computed_note(row["verdicts"] for row in rows),
    }


@access(read=BUREAU)
@login_required
def overview(request):
    """The bureau's district overview: every center of 1+11+X with its compliance at a glance."""
    if not _is_bureau(request.user):
        raise Http404
    district = selectors.current_district()
    context = _overview_context(request, selectors.centers_for(request.user), "overview")
    context["cover"] = selectors.district_coverage(district, context["year"]) if district else None
    context["district"] = district
    context["dash"] = district_dashboard(context["year"])
    return render(request, "centers/overview.html", context)


@access(read=BUREAU | in_scope(Role.DIRECTOR, Role.SUPERVISOR))
@login_required
def center_list(request):
    """The centers a user may see (a supervising unit's, an auditor's), with their compliance."""
    centers = selectors.centers_for(request.user)
    if not centers.exists():
        raise Http404
    context = _overview_context(request, centers, "list")
    return render(request, "centers/center_list.html", context)


def _center(request, pk, action="view") -> ServiceCenter:
    return get_object_or_404(selectors.centers_for(request.user, action), pk=pk)


@access(read=CENTER_READERS)
@login_required
def center_detail(request, pk):
    center = get_object_or_404(selectors.centers_with_change_right(request.user), pk=pk)
    year = _year(request)
    can_change = center.reader_may_change
    registers = selectors.center_registers(center, year)
    results = selectors.evaluate_center(center, year, rows=registers)
    context = {
        "center": center,
        "year": year,
        "can_change": can_change,
        "is_bureau": services.is_bureau(request.user),
        "show_account_numbers": can_change,
        "registers": registers,
        "compliance": [(r, rule_title(r.rule)) for r in results],
        "n": next((r.figures.get("n") for r in results if r.rule.startswith("R-STAFF-")), None),
        "register_kinds": REGISTER_KINDS,
        "rectifications": _open_rectifications(request.user, center),
    }
    return render(request, "centers/center_detail.html", context)


HISTORY_LIMIT = 50


@access(read=CENTER_READERS)
@login_required
def center_history(request, pk):
    """变更记录: the center's and its registers' recent changes, on a page of their own (one query per
    register's history table; the center page links here instead of reading them all on every visit)."""
    center = _center(request, pk)
    context = {
        "center": center,
        "history": selectors.center_history(center, HISTORY_LIMIT),
        "limit": HISTORY_LIMIT,
    }
    return render(request, "centers/center_history.html", context)


def _open_rectifications(user, center) -> list:
    from evaluations.selectors import rectifications_for

    return list(rectifications_for(user, state="open").filter(center=center))


@access(read=BUREAU, write=BUREAU)
@login_required
@require_http_methods(["GET", "POST"])
def center_create(request):
    return _center_form(request, None)


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def center_edit(request, pk):
    return _center_form(request, pk)


def _center_form(request, pk):
    bureau = request.user.has_perm("centers.change_servicecenter")
    if pk is None:
        if not request.user.has_perm("centers.add_servicecenter"):
            raise Http404
        center = ServiceCenter(district=selectors.current_district())
    else:
        center = _center(request, pk, "change")
    form = center_form_class(bureau)(request.POST or None, instance=center)
    if request.method == "POST" and form.is_valid():
        try:
            if form.creating:
                saved, first = create_once(
                    key=form.idempotency_key,
                    actor=request.user,
                    create=lambda: services.center_save(
                        center=center, data=form.service_data(), actor=request.user
                    ),
                )
            else:
                saved = services.center_save(
                    center=center, data=form.service_data(), actor=request.user, version=form.read_version
                )
                first = True
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            if first:
                messages.success(request, "服务中心信息已保存。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            if saved is None:
                return redirect("centers:center_list")
            return redirect("centers:center_detail", pk=saved.pk)
    return render(request, "centers/center_form.html", {"form": form, "center": center})


def _record(request, center, kind, pk):
    if kind not in REGISTER_KINDS:
        raise Http404
    model = REGISTER_KINDS[kind][0]
    if model is RatingRecord and not services.is_bureau(request.user):
        raise Http404  # ratings are the bureau's record (centers.services._require_bureau_for_rating)
    if pk is None:
        return model(center=center)
    return get_object_or_404(model.objects.filter(center=center), pk=pk)


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, center_pk, kind, pk=None):
    center = _center(request, center_pk, "change")
    instance = _record(request, center, kind, pk)
    form_class = register_form_class(kind)
    form = form_class(request.POST or None, request.FILES or None, instance=instance)
    if "contract" in form.fields:
        form.fields["contract"].queryset = center.contracts.all()
    if request.method == "POST" and form.is_valid():
        try:
            if form.creating:
                _saved, first = create_once(
                    key=form.idempotency_key,
                    actor=request.user,
                    create=lambda: services.record_save(
                        instance=instance, data=form.service_data(), actor=request.user
                    ),
                )
            else:
                services.record_save(
                    instance=instance, data=form.service_data(), actor=request.user, version=form.read_version
                )
                first = True
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            if first:
                messages.success(request, f"{instance._meta.verbose_name}已保存。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("centers:center_detail", pk=center.pk)
    return render(
        request,
        "centers/record_form.html",
        {"form": form, "center": center, "instance": instance, "title": instance._meta.verbose_name},
    )


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request, center_pk, kind, pk):
    center = _center(request, center_pk, "change")
    instance = _record(request, center, kind, pk)
    form = DeleteForm(request.POST or None, version=instance.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delete(instance=instance, actor=request.user, version=form.read_version)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, f"已删除{instance._meta.verbose_name}：{instance}。")
            return redirect("centers:center_detail", pk=center.pk)
    return render(
        request,
        "centers/record_confirm_delete.html",
        {"center": center, "instance": instance, "form": form},
    )


@access(read=CENTER_READERS)
@login_required
def document(request, model, pk, field):
    """An uploaded file, served only to those who may view the record it belongs to."""
    if field not in FILE_FIELDS.get(model, ()):
        raise Http404
    model_class = next((m for m, _ in REGISTER_KINDS.values() if m._meta.model_name == model), None)
    if model_class is None:
        raise Http404
    instance = get_object_or_404(restrict(model_class.objects.all(), request.user, "view"), pk=pk)
    stored = getattr(instance, field)
    if not stored or not default_storage.exists(stored.name):
        raise Http404
    filename = safe_filename(f"{instance}{PurePath(stored.name).suffix}")
    log_action(f"centers.{model}.downloaded", actor=request.user, obj=instance, data={"field": field})
    return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)


# ---- social organizations -----------------------------------------------------------------------------


def _organizations(request):
    queryset = selectors.organizations_for(request.user)
    if not _is_bureau(request.user) and not selectors.centers_for(request.user).exists():
        raise Http404
    return OrganizationFilterSet(request.GET, queryset=queryset)


@access(read=CENTER_READERS)
@login_required
def organization_list(request):
    filterset = _organizations(request)
    # The page's ids first, then those rows with their latest rating: page 2,000 costs what page 1 does.
    page, query = _page(request, filterset.qs.order_by("name", "pk"), paginator=IdsFirstPaginator)
    from activities.selectors import annotate_inspections  # the 年检 column (activities' register)

    inspection_year = filterset.inspection_year_value()
    annotate_inspections(page.object_list, inspection_year)
    return render(
        request,
        "centers/organization_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "inspection_year": inspection_year,
            "can_change": request.user.has_perm("centers.change_socialorganization"),
        },
    )


@access(read=CENTER_READERS)
@login_required
def organization_export(request):
    filterset = _organizations(request)
    data = importing.export_organizations(filterset.qs.order_by("name", "pk"))
    log_action(
        "centers.socialorganization.exported",
        actor=request.user,
        data={"filters": {k: v for k, v in request.GET.items() if k != "page"}},
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="social-organizations-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@access(read=CENTER_READERS)
@login_required
def organization_template(request):
    _organizations(request)
    response = HttpResponse(importing.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="social-organizations-template.xlsx"'
    return response


@access(read=BUREAU, write=BUREAU)
@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk=None):
    if not request.user.has_perm("centers.change_socialorganization"):
        raise Http404
    if pk is None:
        organization = SocialOrganization(district=selectors.current_district())
    else:
        organization = get_object_or_404(
            restrict(SocialOrganization.objects.all(), request.user, "change"), pk=pk
        )
    form = OrganizationForm(request.POST or None, instance=organization)
    rating_form = register_form_class("rating")(prefix="rating")
    if request.method == "POST" and form.is_valid():
        try:
            if form.creating:
                saved, first = create_once(
                    key=form.idempotency_key,
                    actor=request.user,
                    create=lambda: services.organization_save(
                        organization=organization, data=form.service_data(), actor=request.user
                    ),
                )
            else:
                saved = services.organization_save(
                    organization=organization,
                    data=form.service_data(),
                    actor=request.user,
                    version=form.read_version,
                )
                first = True
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            if first:
                organization, warnings = saved
                messages.success(request, f"社会组织“{organization}”已保存。")
                for warning in warnings:
                    messages.warning(request, warning)
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("centers:organization_list")
    ratings = organization.ratings.all() if organization.pk else []
    return render(
        request,
        "centers/organization_form.html",
        {"form": form, "organization": organization, "rating_form": rating_form, "ratings": ratings},
    )


@access(write=BUREAU)
@login_required
@require_POST
def organization_rating_create(request, pk):
    """The bureau records a rating of a social organization (valid until = date + policy years)."""
    organization = get_object_or_404(
        restrict(SocialOrganization.objects.all(), request.user, "change"), pk=pk
    )
    form = register_form_class("rating")(request.POST, request.FILES, prefix="rating")
    if form.is_valid():
        try:
            _saved, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.record_save(
                    instance=RatingRecord(organization=organization),
                    data=form.service_data(),
                    actor=request.user,
                ),
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            if first:
                messages.success(request, "评估记录已保存。")
            else:
                messages.info(request, REPEATED_MESSAGE)
    else:
        messages.error(
            request,
            "评估记录有误："
            + "；".join(
                f"{form.fields[k].label if k in form.fields else '表单'}：{'，'.join(v)}"
                for k, v in form.errors.items()
            ),
        )
    return redirect("centers:organization_edit", pk=organization.pk)


def _import_context() -> dict:
    return {
        "title": "导入社会组织",
        "intro": "上传 .xlsx 或 .csv（不超过 10 MB），第 1 行为列名，可导入 20 万行；按统一社会信用代码匹配，"
        "重复导入同一文件不会产生变化。",
        "template_url": reverse("centers:organization_template"),
        "commit_url": reverse("centers:organization_import_commit"),
        "cancel_url": reverse("centers:organization_list"),
    }


@access(read=BUREAU, write=BUREAU)
@login_required
@require_http_methods(["GET", "POST"])
def organization_import(request):
    """Upload → the first rows as a preview → 确认导入 queues the job (core.import_flow)."""
    importing.ORGANIZATION_IMPORT.authorize(request.user, {})
    return import_page(
        request, importing.ORGANIZATION_IMPORT, form_class=ImportForm, context=_import_context()
    )


@access(write=BUREAU)
@login_required
@require_POST
def organization_import_commit(request):
    return import_commit(
        request,
        importing.ORGANIZATION_IMPORT,
        page_url=reverse("centers:organization_import"),
        context=_import_context(),
        form_class=ImportForm,
    )

"""Pages of the registers: one generic list, form, detail, delete, import and export for every
register (activities.registers declares what differs). Short views: read input, call one service or
selector, render. Every row is fetched through core.permissions.restrict: no right → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from centers.models import ServiceCenter
from core.access import CENTER_READERS, access, in_scope
from core.audit import log_action
from core.errors import ApplicationError
from core.idempotency import REPEATED_MESSAGE, create_once
from core.params import int_param
from core.permissions import restrict
from core.spreadsheets import XLSX, attachment

from . import excel, selectors, services
from .forms import AttachmentForm, ImportForm, StageForm, VersionOnlyForm, register_form
from .models import Attachment, WelfareProject, WelfareProjectStage
from .registers import REGISTERS, register_for, register_of

PAGE_SIZE = 50
WRITERS = in_scope(Role.DIRECTOR)
"""Only the center's own people write its registers; the bureau and the supervising unit read."""


def _row(request, register, pk, action="view"):
    qs = register.model.objects.select_related("center")
    return get_object_or_404(restrict(qs, request.user, action), pk=pk)


def _own_center(request, register) -> ServiceCenter:
    """The center a director writes to (their own); 404 when its level does not keep the register."""
    center = get_object_or_404(
        restrict(ServiceCenter.objects.select_related("street_town"), request.user, "change"),
        pk=request.user.center_id or 0,
    )
    if center.level not in register.levels or request.user.role != Role.DIRECTOR:
        raise Http404("本中心不登记此台账。")
    return center


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _year_open(center, year) -> bool:
    return not services.locked_years(center.pk, [year])


@access(read=CENTER_READERS)
@login_required
def index(request):
    """日常工作: every register, with a link to its list (a director: those their center keeps)."""
    center = None
    if request.user.role == Role.DIRECTOR and request.user.center_id:
        center = (
            restrict(ServiceCenter.objects.all(), request.user, "view")
            .filter(pk=request.user.center_id)
            .first()
        )
    registers = [r for r in REGISTERS.values() if center is None or center.level in r.levels]
    return render(
        request,
        "activities/index.html",
        {"registers": registers, "center": center, "year": timezone.localdate().year},
    )


@access(read=CENTER_READERS)
@login_required
def register_list(request, register):
    register = register_for(register)
    qs = selectors.list_queryset(register, request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = selectors.writable_center_ids(request.user)
    rows = [
        {
            "obj": obj,
            "cells": [
                {
                    "text": selectors.cell(register, obj, name, visible),
                    "url": selectors.registry_url(register, obj, name),
                }
                for name in register.columns
            ],
            "overdue": selectors.overdue(obj),
        }
        for obj in page.object_list
    ]
    centers = list(restrict(ServiceCenter.objects.all(), request.user, "view").only("pk", "name"))
    may_write = request.user.role == Role.DIRECTOR and any(c.pk == request.user.center_id for c in centers)
    filters = [
        (name, register.field_label(name), register.field(name).choices, request.GET.get(name, ""))
        for name in register.filters
    ]
    return render(
        request,
        "activities/register_list.html",
        {
            "register": register,
            "headers": [register.field_label(n) for n in register.columns],
            "rows": rows,
            "page": page,
            "centers": centers,
            "center_id": int_param(request.GET, "center", label="服务中心"),
            "year": request.GET.get("year", ""),
            "q": request.GET.get("q", ""),
            "figure": request.GET.get("figure", ""),
            "filters": filters,
            "may_write": may_write,
            "querystring": _querystring(request),
        },
    )


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def register_create(request, register):
    register = register_for(register)
    center = _own_center(request, register)
    form = register_form(register, center, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.register_create(
                    register, center=center, actor=request.user, data=form.service_data()
                ),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if first:
                messages.success(request, f"已登记“{row}”。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            if row is None:
                return redirect("activities:list", register=register.slug)
            return redirect("activities:detail", register=register.slug, pk=row.pk)
    return render(
        request,
        "activities/register_form.html",
        {"register": register, "center": center, "form": form, "obj": None},
    )


@access(read=CENTER_READERS)
@login_required
def register_detail(request, register, pk):
    register = register_for(register)
    row = _row(request, register, pk)
    visible = selectors.writable_center_ids(request.user)
    fields = [
        (
            register.field_label(n),
            selectors.cell(register, row, n, visible),
            selectors.registry_url(register, row, n),
        )
        for n in register.fields
    ]
    if register.slug == "early-warnings":
        fields.append(("已处置天数", selectors.cell(register, row, "age", visible), ""))
    year_open = _year_open(row.center, row.year)
    may_write = services.may_write(request.user, row.center) and year_open
    context = {
        "register": register,
        "obj": row,
        "center": row.center,
        "fields": fields,
        "attachments": selectors.attachments_of(row),
        "history": selectors.row_history(register, row),
        "may_write": may_write,
        "locked": not year_open,
        "follow_up_labels": "可登记：" + "、".join(register.field_label(n) for n in register.follow_up),
        "may_follow_up": not year_open
        and bool(register.follow_up)
        and services.may_write(request.user, row.center),
        "lock_message": services.lock_message(row.year),
        "overdue": selectors.overdue(row),
        "attachment_form": AttachmentForm(),
    }
    if isinstance(row, WelfareProject):
        stages = list(row.stages.all())
        context["stages"] = [(s, selectors.attachments_of(s)) for s in stages]
        context["next_stage"] = services.next_stage([s.stage for s in stages])
        context["stage_form"] = StageForm(initial={"stage": context["next_stage"]})
    return render(request, "activities/register_detail.html", context)


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def register_edit(request, register, pk):
    register = register_for(register)
    row = _row(request, register, pk, "change")
    submitted = not _year_open(row.center, row.year)
    form = register_form(
        register,
        row.center,
        data=request.POST or None,
        instance=row,
        follow_up_only=submitted and bool(register.follow_up),
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = services.register_update(
                register, row=row, version=form.read_version, actor=request.user, data=form.service_data()
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, f"已保存“{row}”的修改。")
            return redirect("activities:detail", register=register.slug, pk=row.pk)
    return render(
        request,
        "activities/register_form.html",
        {
            "register": register,
            "center": row.center,
            "form": form,
            "obj": row,
            "follow_up": (
                services.follow_up_message(register, row.year) if submitted and register.follow_up else ""
            ),
        },
    )


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def register_delete(request, register, pk):
    register = register_for(register)
    row = _row(request, register, pk, "change")
    form = VersionOnlyForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.register_delete(
                register, row=row, version=form.cleaned_data["version"], actor=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已删除“{row}”。")
            return redirect("activities:list", register=register.slug)
    return render(
        request,
        "activities/register_delete.html",
        {"register": register, "obj": row, "center": row.center, "form": form},
    )


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def register_import(request, register):
    register = register_for(register)
    center = _own_center(request, register)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = excel.import_rows(register, form.cleaned_data["file"], center=center, actor=request.user)
        except ApplicationError as exc:
            return render(
                request,
                "activities/register_import.html",
                {"register": register, "form": form, "error": exc.message, "row_errors": exc.fields},
                status=400,
            )
        skipped = f"；跳过本中心辖区以外的社会组织 {result['skipped']} 家" if result["skipped"] else ""
        messages.success(
            request, f"导入完成：新增 {result['created']} 条，更新 {result['updated']} 条{skipped}。"
        )
        return redirect("activities:list", register=register.slug)
    return render(request, "activities/register_import.html", {"register": register, "form": form})


@access(read=WRITERS)
@login_required
def register_template(request, register):
    register = register_for(register)
    _own_center(request, register)
    response = HttpResponse(excel.template_workbook(register), content_type=XLSX)
    response["Content-Disposition"] = attachment(f"{register.label}导入模板.xlsx")
    return response


@access(read=CENTER_READERS)
@login_required
def register_export(request, register):
    register = register_for(register)
    rows = list(selectors.list_queryset(register, request.user, request.GET))
    content = excel.export_workbook(register, rows, selectors.writable_center_ids(request.user))
    log_action(
        f"activities.{register.model._meta.model_name}.exported",
        actor=request.user,
        data={"rows": len(rows), "filters": request.GET.urlencode()[:300]},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment(f"{register.label}-{timezone.localdate():%Y%m%d}.xlsx")
    return response


# ---- attachments and stages ------------------------------------------------------------------------------
def _detail_redirect(row):
    return redirect("activities:detail", register=register_of(type(row)).slug, pk=row.pk)


@access(write=WRITERS)
@login_required
@require_POST
def attachment_upload(request, register, pk):
    register = register_for(register)
    row = _row(request, register, pk, "change")
    form = AttachmentForm(request.POST, request.FILES)
    try:
        services.attachment_add(target=row, upload=request.FILES.get("file"), actor=request.user)
    except ApplicationError as exc:
        for text in [exc.message, *[m for ms in exc.fields.values() for m in ms]]:
            messages.error(request, text)
    else:
        messages.success(request, "已上传佐证材料。")
    del form
    return _detail_redirect(row)


def _attachment(request, pk, action="view") -> Attachment:
    found = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    target = found.target
    row = target.project if isinstance(target, WelfareProjectStage) else target
    if row is None or not restrict(type(row).objects.filter(pk=row.pk), request.user, action).exists():
        raise Http404("未找到该文件，或您无权访问。")
    found.row = row
    return found


@access(read=CENTER_READERS)
@login_required
def attachment_download(request, pk):
    found = _attachment(request, pk)
    log_action(
        "activities.attachment.downloaded", actor=request.user, obj=found.row, data={"file": found.name}
    )
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request, pk):
    found = _attachment(request, pk, "change")
    if request.method == "POST":
        try:
            services.attachment_delete(attachment=found, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已删除佐证材料“{found.name}”。")
        return _detail_redirect(found.row)
    return render(request, "activities/attachment_delete.html", {"attachment": found, "obj": found.row})


@access(read=WRITERS, write=WRITERS)
@login_required
@require_http_methods(["GET", "POST"])
def stage_add(request, pk):
    register = register_of(WelfareProject)
    project = _row(request, register, pk, "change")
    recorded = list(project.stages.values_list("stage", flat=True))
    form = StageForm(
        request.POST or None, request.FILES or None, initial={"stage": services.next_stage(recorded)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_record(
                project=project,
                stage=form.cleaned_data["stage"],
                done_on=form.cleaned_data["done_on"],
                result=form.cleaned_data["result"],
                document=form.cleaned_data.get("document"),
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for name, msgs in exc.fields.items():
                for msg in msgs:
                    if name in form.fields and msg != exc.message:
                        form.add_error(name, msg)
        else:
            messages.success(request, "已登记项目环节。")
            return _detail_redirect(project)
    return render(request, "activities/stage_form.html", {"obj": project, "form": form, "register": register})


# ---- 年检 missing ------------------------------------------------------------------------------------------
@access(read=CENTER_READERS)
@login_required
def missing_inspections(request):
    centers = list(restrict(ServiceCenter.objects.all(), request.user, "view").order_by("pk"))
    wanted = int_param(request.GET, "center", label="服务中心") or request.user.center_id
    center = next((c for c in centers if c.pk == wanted), None) or (centers[0] if len(centers) == 1 else None)
    year = int_param(request.GET, "year", label="年度") or timezone.localdate().year
    rows = selectors.missing_inspections(center, year) if center else []
    return render(
        request,
        "activities/missing_inspections.html",
        {
            "centers": centers,
            "center": center,
            "year": year,
            "rows": rows,
            "one_year": sum(1 for r in rows if not r["two_years"]),
            "two_years": sum(1 for r in rows if r["two_years"]),
        },
    )

"""Pages of the staffing app. Short views: read input, call one service or selector, render.

Every object is fetched through core.permissions.restrict: no right → 404 (never 403).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from centers.models import ServiceCenter
from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, access, in_scope, roles
from core.audit import log_action
from core.errors import ApplicationError
from core.idempotency import REPEATED_MESSAGE, create_once
from core.import_flow import import_commit, import_page
from core.permissions import can, restrict

from . import excel, selectors, services
from .filtersets import TalentProfileFilterSet
from .forms import (
    EndEmploymentForm,
    RosterFilterForm,
    StaffMemberForm,
    TalentImportForm,
    TalentProfileForm,
    TrainingForm,
    VersionOnlyForm,
)
from .models import StaffMember, TalentProfile, Training

PAGE_SIZE = 50


def _center(request, pk, action="view") -> ServiceCenter:
    qs = ServiceCenter.objects.select_related("street_town", "supervising_unit")
    return get_object_or_404(restrict(qs, request.user, action), pk=pk)


def _member(request, pk, action="view") -> StaffMember:
    qs = StaffMember.objects.select_related("center")
    return get_object_or_404(restrict(qs, request.user, action), pk=pk)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _querystring(request, **drop) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# ---- roster ---------------------------------------------------------------------------------------


@access(read=CENTER_READERS)
@login_required
def roster(request, center_pk):
    center = _center(request, center_pk)
    form = RosterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    on = filters.get("on") or timezone.localdate()
    if filters.get("as_recorded"):
        members = selectors.roster_as_recorded(center, on)
        members = [m for m in members if not filters.get("kind") or m.kind == filters["kind"]]
        members = [m for m in members if not filters.get("q") or filters["q"] in m.name]
    else:
        members = selectors.roster_for(
            center,
            on,
            search=filters.get("q", ""),
            kind=filters.get("kind", ""),
            include_former=filters.get("former", False),
        )
    page = _page(request, members)
    visible = selectors.phone_visible_center_ids(request.user)
    rows = [
        {"member": m, "phone": selectors.phone_for(visible, m.center_id, m.mobile_phone)}
        for m in page.object_list
    ]
    summary = selectors.center_staffing_summary(center, on)
    return render(
        request,
        "staffing/roster.html",
        {
            "center": center,
            "form": form,
            "on": on,
            "page": page,
            "rows": rows,
            "summary": summary,
            "may_change": can(request.user, "change", center),
            "may_see_contracts": visible is None or center.pk in visible,
            "querystring": _querystring(request),
        },
    )


@access(read=CENTER_READERS)
@login_required
def roster_export(request, center_pk):
    center = _center(request, center_pk)
    on = RosterFilterForm(request.GET or None)
    on = on.cleaned_data.get("on") if on.is_valid() else None
    on = on or timezone.localdate()
    visible = selectors.phone_visible_center_ids(request.user)
    members = list(selectors.roster_on(center, on))
    masked = not (visible is None or center.pk in visible)
    content = excel.roster_workbook(center, on, members, masked=masked)
    services.log_personal_data_export(
        actor=request.user, what="roster", obj=center, rows=len(members), masked=masked
    )
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = excel.attachment(f"人员名册-{center.name}-{on:%Y%m%d}.xlsx")
    return response


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def member_create(request, center_pk):
    center = _center(request, center_pk, "change")
    form = StaffMemberForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            member, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.staff_member_create(
                    center=center,
                    actor=request.user,
                    contract=form.uploaded_contract(),
                    **form.service_data(),
                ),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if first:
                messages.success(request, f"已将{member.name}加入人员名册。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("staffing:roster", center_pk=center.pk)
    return render(request, "staffing/member_form.html", {"center": center, "form": form, "member": None})


@access(read=CENTER_READERS)
@login_required
def member_detail(request, pk):
    member = _member(request, pk)
    visible = selectors.phone_visible_center_ids(request.user)
    return render(
        request,
        "staffing/member_detail.html",
        {
            "member": member,
            "center": member.center,
            "phone": selectors.phone_for(visible, member.center_id, member.mobile_phone),
            "may_change": can(request.user, "change", member.center),
            "may_see_contracts": visible is None or member.center_id in visible,
            "history": selectors.member_history(member),
            "trainings": member.trainings.order_by("-held_on")[:20],
            "deletable": services.staff_member_can_be_deleted(member),
        },
    )


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member = _member(request, pk, "change")
    form = StaffMemberForm(request.POST or None, request.FILES or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_member_update(
                member=member,
                version=form.cleaned_data.get("version"),
                actor=request.user,
                contract=form.uploaded_contract(),
                **form.service_data(),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, f"已保存{member.name}的修改。")
            return redirect("staffing:member_detail", pk=member.pk)
    return render(
        request, "staffing/member_form.html", {"center": member.center, "form": form, "member": member}
    )


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def member_end(request, pk):
    member = _member(request, pk, "change")
    form = EndEmploymentForm(
        request.POST or None, initial={"version": member.version, "end_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_end(
                member=member,
                end_date=form.cleaned_data["end_date"],
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ApplicationError as exc:
            for field, msgs in (exc.fields or {None: [exc.message]}).items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, f"已登记{member.name}的离职日期。")
            return redirect("staffing:roster", center_pk=member.center_id)
    return render(
        request, "staffing/member_end.html", {"member": member, "center": member.center, "form": form}
    )


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def member_delete(request, pk):
    member = _member(request, pk, "change")
    form = VersionOnlyForm(request.POST or None, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_delete(
                member=member, version=form.cleaned_data["version"], actor=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已删除误录的人员{member.name}。")
            return redirect("staffing:roster", center_pk=member.center_id)
    return render(
        request,
        "staffing/member_delete.html",
        {
            "member": member,
            "center": member.center,
            "form": form,
            "deletable": services.staff_member_can_be_deleted(member),
        },
    )


# Contracts are personal data: the person's own center and the bureau only.
@access(read=CENTER_EDITORS)
@login_required
def contract_download(request, pk):
    """The contract file: only the person's own center and the bureau; logged (personal data)."""
    member = _member(request, pk)
    if not selectors.may_see_contracts(request.user, member.center) or not member.contract:
        raise Http404("未找到该文件，或您无权访问。")
    services.log_contract_download(member=member, actor=request.user)
    return FileResponse(
        member.contract.open("rb"), as_attachment=True, filename=member.contract_filename or "contract"
    )


# ---- district staffing table ------------------------------------------------------------------------


@access(read=BUREAU)
@login_required
def district_table(request):
    if not request.user.has_perm("staffing.view_staffmember"):
        raise Http404("未找到该页面，或您无权访问。")
    form = RosterFilterForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    # A page of centers first (counted, then the page read: never every center), then the figures of
    # those only.
    page = Paginator(selectors.district_centers(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    counts, counted_note = selectors.organization_counts_on(list(page.object_list), on)
    rows = selectors.district_staffing_rows(request.user, on, centers=page.object_list, counts=counts)
    return render(
        request,
        "staffing/district_table.html",
        {
            "rows": rows,
            "counted_note": counted_note,
            "page": page,
            "on": on,
            "form": form,
            "querystring": _querystring(request),
        },
    )


@access(read=BUREAU)
@login_required
def district_table_export(request):
    """The district staffing table as .xlsx (every center, not a page), for the day asked (as the page)."""
    if not request.user.has_perm("staffing.view_staffmember"):
        raise Http404("未找到该页面，或您无权访问。")
    form = RosterFilterForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    rows = selectors.district_staffing_rows(request.user, on)
    content = excel.district_workbook(rows, on)
    log_action("staffing.district_table.exported", actor=request.user, data={"on": on, "rows": len(rows)})
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = excel.attachment(f"全区人员配备-{on:%Y%m%d}.xlsx")
    return response


# ---- trainings ------------------------------------------------------------------------------------


@access(read=CENTER_READERS)
@login_required
def training_list(request, center_pk):
    center = _center(request, center_pk)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    page = _page(request, selectors.trainings_in_year(center, year))
    return render(
        request,
        "staffing/training_list.html",
        {
            "center": center,
            "year": year,
            "page": page,
            "count": selectors.trainings_count(center, year),
            "hours": selectors.training_hours(center, year),
            "may_change": can(request.user, "change", center),
            "querystring": _querystring(request),
        },
    )


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def training_create(request, center_pk):
    center = _center(request, center_pk, "change")
    form = TrainingForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            _training, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.training_create(
                    center=center,
                    actor=request.user,
                    attendees=form.cleaned_data["attendees"],
                    **{k: form.cleaned_data[k] for k in ("title", "organizer", "held_on", "hours")},
                ),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if first:
                messages.success(request, "已登记培训。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("staffing:training_list", center_pk=center.pk)
    return render(request, "staffing/training_form.html", {"center": center, "form": form, "training": None})


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def training_edit(request, pk):
    training = get_object_or_404(
        restrict(Training.objects.select_related("center"), request.user, "change"), pk=pk
    )
    center = training.center
    form = TrainingForm(request.POST or None, instance=training, center=center)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("title", "organizer", "held_on", "hours")}
        try:
            services.training_update(
                training=training,
                version=form.cleaned_data.get("version"),
                actor=request.user,
                attendees=form.cleaned_data["attendees"],
                **data,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, "已保存培训记录。")
            return redirect("staffing:training_list", center_pk=center.pk)
    return render(
        request, "staffing/training_form.html", {"center": center, "form": form, "training": training}
    )


# ---- talent pool ----------------------------------------------------------------------------------
# The whole pool is read by the bureau and the people of centers and supervising units; it is kept
# (added to, edited) by the bureau and the district center, whose talent pool it is.
TALENT_READERS = roles(Role.BUREAU, Role.DIRECTOR, Role.SUPERVISOR)
TALENT_KEEPERS = BUREAU | in_scope(Role.DIRECTOR)


@access(read=TALENT_READERS)
@login_required
def talent_list(request):
    if not TalentProfile.readable_by(request.user):
        raise Http404("未找到该页面，或您无权访问。")
    filterset = TalentProfileFilterSet(request.GET or None, queryset=selectors.talent_queryset(request.user))
    page = _page(request, filterset.qs)
    visible = selectors.phone_visible_center_ids(request.user)
    rows = [{"profile": p, "phone": selectors.phone_for(visible, p.center_id, p.mobile_phone)} for p in page]
    return render(
        request,
        "staffing/talent_list.html",
        {
            "form": filterset.form,
            "page": page,
            "rows": rows,
            "keeper": selectors.talent_keeper_for(request.user),
            "querystring": _querystring(request),
        },
    )


def _keeper_or_404(request) -> ServiceCenter:
    keeper = selectors.talent_keeper_for(request.user)
    if keeper is None:
        raise Http404("未找到该页面，或您无权访问。")
    return keeper


@access(read=TALENT_KEEPERS, write=TALENT_KEEPERS)
@login_required
@require_http_methods(["GET", "POST"])
def talent_create(request):
    keeper = _keeper_or_404(request)
    form = TalentProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            profile, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.talent_create(center=keeper, actor=request.user, **data),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if first:
                messages.success(request, f"已将{profile.name}加入人才库。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("staffing:talent_list")
    return render(request, "staffing/talent_form.html", {"form": form, "profile": None})


@access(read=TALENT_KEEPERS, write=TALENT_KEEPERS)
@login_required
@require_http_methods(["GET", "POST"])
def talent_edit(request, pk):
    profile = get_object_or_404(restrict(TalentProfile.objects.all(), request.user, "change"), pk=pk)
    form = TalentProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.talent_update(
                profile=profile, version=form.cleaned_data.get("version"), actor=request.user, **data
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, "已保存人才信息。")
            return redirect("staffing:talent_list")
    return render(request, "staffing/talent_form.html", {"form": form, "profile": profile})


@access(read=TALENT_KEEPERS, write=TALENT_KEEPERS)
@login_required
@require_http_methods(["GET", "POST"])
def talent_delete(request, pk):
    profile = get_object_or_404(restrict(TalentProfile.objects.all(), request.user, "change"), pk=pk)
    form = VersionOnlyForm(request.POST or None, initial={"version": profile.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.talent_delete(profile=profile, version=form.cleaned_data["version"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已从人才库移除{profile.name}。")
            return redirect("staffing:talent_list")
    return render(request, "staffing/talent_delete.html", {"form": form, "profile": profile})


def _talent_import_context() -> dict:
    return {
        "title": "从 Excel 导入专业人才档案库",
        "intro": "请按导入模板填写后上传 .xlsx（不超过 10 MB，至多 5,000 行）；同一建档中心内“姓名 + 所在社会组织”"
        "相同视为同一人，导入时更新其信息。",
        "template_url": reverse("staffing:talent_template"),
        "commit_url": reverse("staffing:talent_import_commit"),
        "cancel_url": reverse("staffing:talent_list"),
    }


@access(read=TALENT_KEEPERS, write=TALENT_KEEPERS)
@login_required
@require_http_methods(["GET", "POST"])
def talent_import(request):
    """Upload → the first rows as a preview → 确认导入 queues the job (core.import_flow)."""
    keeper = _keeper_or_404(request)
    return import_page(
        request,
        excel.TALENT_IMPORT,
        form_class=TalentImportForm,
        context=_talent_import_context(),
        params={"center": keeper.pk},
    )


@access(write=TALENT_KEEPERS)
@login_required
@require_POST
def talent_import_commit(request):
    keeper = _keeper_or_404(request)
    return import_commit(
        request,
        excel.TALENT_IMPORT,
        page_url=reverse("staffing:talent_import"),
        context=_talent_import_context(),
        form_class=TalentImportForm,
        params={"center": keeper.pk},
    )


@access(read=TALENT_KEEPERS)
@login_required
def talent_template(request):
    _keeper_or_404(request)
    response = HttpResponse(excel.talent_template(), content_type=excel.XLSX)
    response["Content-Disposition"] = excel.attachment("专业人才档案库导入模板.xlsx")
    return response


@access(read=TALENT_READERS)
@login_required
def talent_export(request):
    if not TalentProfile.readable_by(request.user):
        raise Http404("未找到该页面，或您无权访问。")
    profiles = list(
        TalentProfileFilterSet(request.GET or None, queryset=selectors.talent_queryset(request.user)).qs
    )
    visible = selectors.phone_visible_center_ids(request.user)
    content = excel.talent_workbook(profiles, visible)
    masked = visible is not None and any(p.center_id not in visible for p in profiles)
    services.log_personal_data_export(
        actor=request.user, what="talent_pool", rows=len(profiles), masked=masked
    )
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = excel.attachment(f"专业人才档案库-{date.today():%Y%m%d}.xlsx")
    return response


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
@require_http_methods(["GET", "POST"])
def training_delete(request, pk):
    training = get_object_or_404(
        restrict(Training.objects.select_related("center"), request.user, "change"), pk=pk
    )
    form = VersionOnlyForm(request.POST or None, initial={"version": training.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.training_delete(
                training=training, version=form.cleaned_data["version"], actor=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已删除培训记录“{training.title}”。")
            return redirect("staffing:training_list", center_pk=training.center_id)
    return render(
        request,
        "staffing/training_delete.html",
        {"training": training, "center": training.center, "form": form},
    )

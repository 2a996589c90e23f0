"""Login pages and account administration (账号管理) pages.

Account administration is for holders of ``accounts.manage_user`` (the account administrator's role
group, and ``createsuperuser`` superusers); everyone else gets 404 on every one of its URLs. Each
write goes through one ``accounts.services`` function, which checks the actor again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.spreadsheets import XLSX, attachment

from . import importing, selectors, services
from .filtersets import UserFilterSet
from .forms import ImportForm, UserForm

IMPORT_SESSION_KEY = "accounts_import"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        messages.success(self.request, "密码已修改。")
        return super().form_valid(form)


# ---- account administration --------------------------------------------------------------------------


def _manager(request):
    if not services.can_manage_accounts(request.user):
        raise Http404
    return request.user


def _target(request, pk):
    return get_object_or_404(services.managed_users(_manager(request)), pk=pk)


def _apply_error(form, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _filtered(request):
    return UserFilterSet(request.GET, queryset=selectors.user_list(_manager(request)))


@login_required
def user_list(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for user in page.object_list:
        user.masked_mobile = selectors.mask_mobile(user.mobile)
    return render(
        request, "accounts/user_list.html", {"filter": filterset, "page": page, "query": query.urlencode()}
    )


@login_required
def user_export(request):
    filterset = _filtered(request)
    response = HttpResponse(importing.export_users(filterset.qs), content_type=XLSX)
    response["Content-Disposition"] = attachment(f"账号列表-{timezone.localdate():%Y%m%d}.xlsx")
    return response


def _password_page(request, issued, *, title):
    response = render(request, "accounts/user_password.html", {"issued": [issued], "title": title})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    actor = _manager(request)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.user_create(actor=actor, data=form.service_data())
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            return _password_page(request, issued, title="账号已创建")
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    actor = _manager(request)
    target = _target(request, pk)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "mobile": target.mobile,
        "email": target.email,
        "role": target.role,
        "center": target.center_id,
        "supervising_unit": target.supervising_unit_id,
        "organization_name": target.organization_name,
        "version": target.version,
    }
    form = UserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=actor, user=target, version=form.cleaned_data.get("version"), data=form.service_data()
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, f"已保存账号“{target.username}”。")
            return redirect("accounts:user_edit", pk=target.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "target": target, "locked": services.is_locked(target)},
    )


@login_required
@require_POST
def user_set_active(request, pk):
    actor = _manager(request)
    target = _target(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor, user=target, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"账号“{target.username}”已{'启用' if active else '停用，其登录会话与令牌已全部失效'}。"
        )
    return redirect("accounts:user_edit", pk=target.pk)


@login_required
@require_POST
def user_unlock(request, pk):
    target = _target(request, pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, f"账号“{target.username}”已解锁。")
    return redirect("accounts:user_edit", pk=target.pk)


@never_cache
@login_required
@require_POST
def user_reset_password(request, pk):
    target = _target(request, pk)
    issued = services.user_reset_password(actor=request.user, user=target)
    return _password_page(request, issued, title="密码已重置")


@login_required
def user_template(request):
    _manager(request)
    response = HttpResponse(importing.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = attachment("账号导入模板.xlsx")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def user_import(request):
    """Upload → preview with row errors → commit (all or nothing)."""
    actor = _manager(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            result = importing.import_users(name=upload.name, data=data, actor=actor, dry_run=True)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            if not result.errors:
                stored = default_storage.save(
                    f"imports/accounts-{timezone.now():%Y%m%d%H%M%S}.xlsx", ContentFile(data)
                )
                request.session[IMPORT_SESSION_KEY] = {"path": stored, "name": upload.name}
            context.update({"result": result, "file_name": upload.name})
    return render(request, "accounts/user_import.html", context)


@never_cache
@login_required
@require_POST
def user_import_commit(request):
    actor = _manager(request)
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if not pending or not default_storage.exists(pending["path"]):
        messages.error(request, "没有待导入的文件或预览已过期，请重新上传。")
        return redirect("accounts:user_import")
    with default_storage.open(pending["path"], "rb") as fh:
        data = fh.read()
    default_storage.delete(pending["path"])
    try:
        result = importing.import_users(name=pending["name"], data=data, actor=actor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_import")
    if result.errors:
        messages.error(request, f"文件有 {len(result.errors)} 处错误，未导入任何账号。")
        return redirect("accounts:user_import")
    issued = [services.PasswordIssued(user=u, password=p, emailed=bool(u.email)) for u, p in result.created]
    response = render(
        request, "accounts/user_password.html", {"issued": issued, "title": f"已导入 {len(issued)} 个账号"}
    )
    response["Cache-Control"] = "no-store"
    return response

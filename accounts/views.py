"""Login pages and account administration (账号管理) pages.

Account administration is for holders of ``accounts.manage_user`` (the account administrator's role
group, and ``createsuperuser`` superusers); everyone else gets 404 on every one of its URLs. Each
write goes through one ``accounts.services`` function, which checks the actor again.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import FormView

from core.access import PUBLIC, SIGNED_IN, access, roles
from core.errors import ApplicationError
from core.import_flow import import_commit, import_page
from core.spreadsheets import XLSX, attachment

from . import importing, security, selectors, services, two_factor
from .filtersets import UserFilterSet
from .forms import CodeForm, EnrolmentCodeForm, ImportForm, UserForm
from .roles import Role

NEXT_SESSION_KEY = "accounts_login_next"


def _safe_next(request, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _next_or_home(request) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next")) or reverse(
        settings.LOGIN_REDIRECT_URL
    )


@access(read=PUBLIC, write=PUBLIC)
class LoginView(auth_views.LoginView):
    """Step one: the password. An enrolled user goes on to the code (LoginVerifyView) before Django's
    login happens; everyone else is logged in here."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_confirmed_device(user):
            two_factor.begin_pending_login(self.request, user)
            self.request.session[NEXT_SESSION_KEY] = self.get_success_url()
            return redirect("accounts:login_verify")
        return super().form_valid(form)


@access(read=PUBLIC, write=PUBLIC)  # a login whose password step passed
class LoginVerifyView(FormView):
    """Step two for enrolled users: the authenticator's code or a recovery code. Wrong codes count
    as failed logins (the lockout after repeated failures applies)."""

    template_name = "accounts/login_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.pending_user, self.backend = two_factor.pending_login(request)
        if self.pending_user is None:
            messages.error(request, "登录已超时或尚未输入密码，请重新登录。")
            return redirect("accounts:login")
        return super().dispatch(request, *args, **kwargs)

    @transaction.atomic  # the code, the login, its event and the session: all or nothing
    def form_valid(self, form):
        request = self.request
        device = two_factor.match_code(self.pending_user, form.cleaned_data["code"])
        if device is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": self.pending_user.get_username()}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                two_factor.end_pending_login(request)
            form.add_error(
                "code", "验证码不正确或已过期：请输入验证器应用当前显示的 6 位数字，或一个未用过的恢复码。"
            )
            return self.form_invalid(form)
        two_factor.end_pending_login(request)
        next_url = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
        auth_login(request, self.pending_user, backend=self.backend)
        two_factor.mark_verified(request, device)
        if device.name == two_factor.STATIC_DEVICE_NAME:
            left = two_factor.remaining_recovery_codes(self.pending_user)
            messages.warning(request, f"您使用了一个恢复码，还剩 {left} 个。可在“双因素认证”页面重新生成。")
        return redirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))


@access(read=SIGNED_IN, write=SIGNED_IN)
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        age = security.password_age(user)
        if user.must_change_password:
            context["reason"] = (
                "首次登录或密码已被管理员重置：请先设置您自己的新密码，之后才能使用门户的其他功能。"
            )
        elif age.expired:
            context["reason"] = (
                f"您的密码已超过 {settings.PASSWORD_MAX_AGE_DAYS} 天未修改，已经过期：请设置新密码后继续使用。"
            )
        context["next"] = _safe_next(
            self.request, self.request.GET.get("next") or self.request.POST.get("next")
        )
        return context

    @transaction.atomic
    def form_valid(self, form):
        security.change_own_password(user=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "密码已修改。")
        return redirect(_next_or_home(self.request))


@access(read=SIGNED_IN, write=SIGNED_IN)
class TwoFactorView(LoginRequiredMixin, View):
    """Enrolment (QR code, then a code to confirm) and, once enrolled, new recovery codes."""

    template_name = "accounts/two_factor.html"

    def get(self, request, form=None):
        user = request.user
        context = {
            "required": security.two_factor_required(user),
            "next": _safe_next(request, request.GET.get("next")),
        }
        if two_factor.has_confirmed_device(user):
            context.update(enrolled=True, recovery_codes_left=two_factor.remaining_recovery_codes(user))
        else:
            device = two_factor.enrolment_device(user)
            context.update(
                enrolled=False,
                form=form or EnrolmentCodeForm(),
                qr_svg=two_factor.qr_code_svg(device),
                secret=two_factor.secret_for_manual_entry(device),
            )
        return render(request, self.template_name, context, status=400 if form is not None else 200)

    def post(self, request):
        user = request.user
        if request.POST.get("action") == "disable":
            if security.two_factor_required(user):
                messages.error(
                    request, "您的角色须启用双因素认证，不能停用；手机丢失时请联系账号管理员重置。"
                )
            else:
                two_factor.two_factor_reset(user=user, actor=user)
                messages.success(request, "已停用双因素认证，登录时只需密码。")
            return redirect("accounts:two_factor")
        if request.POST.get("action") == "regenerate":
            if not two_factor.has_confirmed_device(user):
                return redirect("accounts:two_factor")
            codes = two_factor.regenerate_recovery_codes(user=user)
        else:
            form = EnrolmentCodeForm(request.POST)
            codes = (
                two_factor.confirm_enrolment(user=user, code=request.POST.get("code", ""))
                if form.is_valid()
                else None
            )
            if codes is None:
                if form.is_valid():
                    form.add_error(
                        "code", "验证码不正确：请确认手机时间准确，并输入验证器应用当前显示的 6 位数字。"
                    )
                return self.get(request, form=form)
            two_factor.mark_verified(request, two_factor.confirmed_device(user))
        request.session[two_factor.RECOVERY_CODES_SESSION_KEY] = codes
        url = reverse("accounts:recovery_codes")
        next_url = _safe_next(request, request.POST.get("next"))
        return redirect(f"{url}?next={next_url}" if next_url else url)


@access(read=SIGNED_IN)
class RecoveryCodesView(LoginRequiredMixin, View):
    """Shows the new recovery codes once (they are stored only as the static device's tokens)."""

    def get(self, request):
        codes = request.session.pop(two_factor.RECOVERY_CODES_SESSION_KEY, None)
        if not codes:
            return redirect("accounts:two_factor")
        return render(
            request,
            "accounts/recovery_codes.html",
            {
                "codes": codes,
                "next": _safe_next(request, request.GET.get("next")) or reverse(settings.LOGIN_REDIRECT_URL),
            },
        )


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


@access(read=roles(Role.ACCOUNT_ADMIN))
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


@access(read=roles(Role.ACCOUNT_ADMIN))
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


@access(read=roles(Role.ACCOUNT_ADMIN), write=roles(Role.ACCOUNT_ADMIN))
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    actor = _manager(request)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.deliver_password(services.user_create(actor=actor, data=form.service_data()))
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            return _password_page(request, issued, title="账号已创建")
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@access(read=roles(Role.ACCOUNT_ADMIN), write=roles(Role.ACCOUNT_ADMIN))
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


@access(write=roles(Role.ACCOUNT_ADMIN))
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


@access(write=roles(Role.ACCOUNT_ADMIN))
@login_required
@require_POST
def user_unlock(request, pk):
    target = _target(request, pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, f"账号“{target.username}”已解锁。")
    return redirect("accounts:user_edit", pk=target.pk)


@access(write=roles(Role.ACCOUNT_ADMIN))
@never_cache
@login_required
@require_POST
def user_reset_password(request, pk):
    target = _target(request, pk)
    issued = services.deliver_password(services.user_reset_password(actor=request.user, user=target))
    return _password_page(request, issued, title="密码已重置")


@access(read=roles(Role.ACCOUNT_ADMIN))
@login_required
def user_template(request):
    _manager(request)
    response = HttpResponse(importing.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = attachment("账号导入模板.xlsx")
    return response


def _import_context() -> dict:
    return {
        "title": "批量导入账号",
        "intro": "上传 .xlsx（不超过 10 MB，至多 5,000 行），第 1 行为列名；导入只新建账号，完成后在任务页面"
        "点击“显示一次性密码”查看每个账号的一次性密码（只显示一次）。",
        "template_url": reverse("accounts:user_template"),
        "commit_url": reverse("accounts:user_import_commit"),
        "back_url": reverse("accounts:user_list"),
        "back_label": "账号管理",
    }


@access(read=roles(Role.ACCOUNT_ADMIN), write=roles(Role.ACCOUNT_ADMIN))
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_import(request):
    """Upload → the first rows as a preview → 确认导入 queues the job (core.import_flow)."""
    _manager(request)
    return import_page(request, importing.USER_IMPORT, form_class=ImportForm, context=_import_context())


@access(write=roles(Role.ACCOUNT_ADMIN))
@never_cache
@login_required
@require_POST
def user_import_commit(request):
    _manager(request)
    return import_commit(
        request,
        importing.USER_IMPORT,
        page_url=reverse("accounts:user_import"),
        context=_import_context(),
        form_class=ImportForm,
    )


@access(write=roles(Role.ACCOUNT_ADMIN))
@never_cache
@login_required
@require_POST
def user_import_passwords(request):
    """显示一次性密码 of a finished import: once, for the administrator who started it (others: 404)."""
    _manager(request)
    try:
        job_id = uuid.UUID(request.POST.get("job", ""))
    except ValueError:
        messages.error(request, "没有可显示的一次性密码：请从导入任务的页面点击“显示一次性密码”。")
        return redirect("accounts:user_import")
    try:
        issued = [
            services.deliver_password(item)
            for item in importing.import_passwords_issue(job_id=job_id, actor=request.user)
        ]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("core:job_detail", pk=job_id)
    response = render(
        request, "accounts/user_password.html", {"issued": issued, "title": f"已导入 {len(issued)} 个账号"}
    )
    response["Cache-Control"] = "no-store"
    return response


@access(read=SIGNED_IN, write=SIGNED_IN)
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """The user's own API token: when it was issued and ends, and a button that ends it now."""
    from rest_framework.authtoken.models import Token

    from . import tokens

    if request.method == "POST":
        if tokens.tokens_end(user=request.user, reason="revoked"):
            messages.success(request, "接口令牌已撤销。")
        return redirect("accounts:api_token")
    token = Token.objects.filter(user=request.user).first()
    if token is not None and tokens.token_is_expired(token):
        tokens.tokens_end(user=request.user, reason="expired")
        token = None
    return render(
        request,
        "accounts/api_token.html",
        {
            "token": token,
            "expires_at": tokens.token_expires_at(token) if token else None,
            "hours": settings.API_TOKEN_HOURS,
        },
    )

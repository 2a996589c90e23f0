from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView

from . import security, two_factor
from .forms import CodeForm, EnrolmentCodeForm

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

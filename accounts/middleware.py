"""Holds a signed-in user at the login step they still owe (see accounts.security.gate_step).

- enrolled in two-factor but this session gave no code (e.g. it came through the admin's login page):
  signed out and sent to the portal's login, which asks for the code;
- password to be changed (first login, administrator's reset, or expired): only the change-password
  page and logout work;
- a role that needs two-factor and no device yet: only enrolment (and password change, logout) work.

Pages are redirected; API calls get 403 in the API's one error shape with a Chinese message. Static
files are served by WhiteNoise before this runs. Token API calls are gated in
accounts.api.authentication (DRF authenticates inside the view, after middleware).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import security

ALLOWED_VIEWS = {
    security.STEP_TWO_FACTOR_VERIFY: {"accounts:logout", "accounts:login", "accounts:login_verify"},
    security.STEP_PASSWORD_CHANGE: {"accounts:logout", "accounts:password_change"},
    security.STEP_TWO_FACTOR_ENROL: {
        "accounts:logout",
        "accounts:password_change",
        "accounts:two_factor",
        "accounts:recovery_codes",
    },
}

STEP_TARGETS = {
    security.STEP_TWO_FACTOR_VERIFY: "accounts:login",
    security.STEP_PASSWORD_CHANGE: "accounts:password_change",
    security.STEP_TWO_FACTOR_ENROL: "accounts:two_factor",
}

API_MESSAGES = {
    security.STEP_TWO_FACTOR_VERIFY: "本次登录尚未通过双因素认证，请重新登录并输入动态验证码。",
    security.STEP_PASSWORD_CHANGE: "您须先修改密码才能继续使用（首次登录、密码被重置或已过期）。请在网页上登录并修改密码。",
    security.STEP_TWO_FACTOR_ENROL: "您的角色须启用双因素认证，请先在网页上登录并绑定验证器应用。",
}

API_CODES = {
    security.STEP_TWO_FACTOR_VERIFY: "two_factor_required",
    security.STEP_PASSWORD_CHANGE: "password_change_required",
    security.STEP_TWO_FACTOR_ENROL: "two_factor_enrolment_required",
}


def api_refusal(step: str) -> dict:
    return {"status": 403, "code": API_CODES[step], "message": API_MESSAGES[step], "fields": {}}


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class LoginGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.path.startswith(self.static_prefix):
            return None
        step = security.gate_step(request, user)
        if step is None:
            return None
        if step == security.STEP_TWO_FACTOR_VERIFY:
            logout(request)  # the session never passed the code: it starts again at the login page
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_VIEWS[step]:
            return None
        if is_api_path(request.path):
            return JsonResponse({"error": api_refusal(step)}, status=403)
        target = reverse(STEP_TARGETS[step])
        if request.method == "GET" and step != security.STEP_TWO_FACTOR_VERIFY:
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

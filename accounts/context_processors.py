from . import security
from .roles import Role

# Pages of the login steps: the notice after login waits until the user reaches a normal page.
_GATE_VIEWS = {
    "accounts:password_change",
    "accounts:two_factor",
    "accounts:recovery_codes",
    "accounts:login_verify",
}


def role(request):
    user = getattr(request, "user", None)
    current = user.role if user is not None and user.is_authenticated else None
    return {"current_role": current, "Role": Role}


def security_notices(request):
    """The notice after login (shown once, on the first normal page) and the password-expiry warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    context = {}
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in _GATE_VIEWS:
        notice = request.session.pop(security.LOGIN_NOTICE_SESSION_KEY, None)
        if notice is not None:
            context["login_notice"] = security.login_notice_for_display(notice)
    age = security.password_age(user)
    if age.warn:
        context["password_expiry_days_left"] = age.days_left
    return context

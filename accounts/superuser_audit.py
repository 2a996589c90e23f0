"""Every superuser action is audited (等保二级: the one account that holds everything is watched).

A superuser's request that can change something (any method but GET/HEAD/OPTIONS) leaves an audit
entry naming the method, the path and the answer's status, whatever part of the portal handled it
(pages, API or the Django admin)."""

from core.audit import log_action

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SuperuserAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and user.is_superuser
        ):
            log_action(
                "accounts.superuser.request",
                actor=user,
                data={"method": request.method, "path": request.path[:500], "status": response.status_code},
            )
        return response

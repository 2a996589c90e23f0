"""Requests that would break or poison something are refused before any view runs.

A NUL byte in the path, the query string, a form field or a JSON body is never valid input here
and PostgreSQL refuses it inside a query (a 500). It is answered 400 in Chinese: the API error shape
under ``/api/``, the portal's 400 page elsewhere.
"""

from __future__ import annotations

from django.http import JsonResponse

from .errors import BadInput

NUL_MESSAGE = "提交的内容含有无效的控制字符（空字符），请删去后重试。"


def bad_input_response(request, exc: BadInput):
    if request.path.startswith("/api/"):
        body = {"error": {"status": 400, "code": "invalid", "message": exc.message, "fields": {}}}
        if exc.field:
            body["error"]["fields"] = {exc.field: [exc.message]}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    from .views import bad_request

    return bad_request(request, exc)


class InputGuardMiddleware:
    """Refuses NUL bytes up front, and answers a BadInput raised by a view with the Chinese 400
    (in DEBUG too, where Django would otherwise show its technical page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return bad_input_response(request, BadInput(NUL_MESSAGE))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadInput):
            return bad_input_response(request, exception)
        return None

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type = request.content_type or ""
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                return any("\x00" in v for _k, values in request.POST.lists() for v in values)
            if "json" in content_type:
                body = request.body
                return b"\x00" in body or b"\\u0000" in body
        return False

"""Pages for every failure, in Chinese and in the portal's layout (templates/403.html, 404.html,
500.html, 503.html, 403_csrf.html); never a URL list or a stack trace.

* A lost database connection (``OperationalError`` / ``InterfaceError`` of a connection, not e.g. a
  deadlock) is a 503 with ``Retry-After``: the page ``503.html`` rendered without touching the
  database, or in the API the project's error shape. The view's transaction was rolled back.
* A 404 is ``404.html`` also with DEBUG on (Django's technical 404 lists every URL pattern to whoever
  mistypes an address; developers find them in ``manage.py show_urls`` or the code).
* ``server_error`` (handler500) tells a database outage (503) from a crash (500).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = "数据库暂时无法连接，门户暂时无法使用。请稍后重试；您刚才的操作没有保存。"
# psycopg SQLSTATE classes of a lost or refused connection; None: the client could not connect at all
CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


def is_connection_failure(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None)
    return code is None or code.startswith(CONNECTION_STATES)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _layout_context(*, query: bool = False) -> dict:
    """The layout's district (portal name, footer) without the request's context processors: the
    one this process already knows, or — for a 500, where the database is presumably up — read now."""
    from centers.selectors import current_district, known_district

    district = known_district()
    if district is None and query:
        try:
            district = current_district()
        except Exception:  # noqa: BLE001 - the error page must render whatever else is wrong
            district = None
    return {"district": district}


def unavailable_response(request) -> HttpResponse:
    """The 503 answer; renders without the request so that nothing reads the database."""
    if _is_api(request):
        response = JsonResponse(
            {"error": {"status": 503, "code": "unavailable", "message": UNAVAILABLE_MESSAGE, "fields": {}}},
            status=503,
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html", _layout_context()), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.portal_error_page = True
    return response


def not_found_response(request) -> HttpResponse:
    response = HttpResponse(loader.render_to_string("404.html", request=request), status=404)
    response.portal_error_page = True
    return response


class ErrorPageMiddleware:
    """Place it right after WhiteNoise so that it sees every response on its way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "portal_error_page", False)
            and response.get("Content-Type", "").startswith("text/html")
            and not _is_api(request)
        ):
            return not_found_response(request)  # instead of the technical 404 (URL list)
        return response

    def process_exception(self, request, exception):
        if is_connection_failure(exception):
            log.error("database unavailable: %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        if isinstance(exception, Http404) and settings.DEBUG and not _is_api(request):
            return not_found_response(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: a database outage is a 503, anything else the Chinese 500 page (no details)."""
    exc = sys.exc_info()[1]
    if exc is not None and is_connection_failure(exc):
        return unavailable_response(request)
    if _is_api(request):
        return JsonResponse(
            {
                "error": {
                    "status": 500,
                    "code": "server_error",
                    "message": "系统出错，操作未完成。请稍后重试；如仍不成功，请联系系统管理员。",
                    "fields": {},
                }
            },
            status=500,
        )
    return HttpResponse(loader.render_to_string(template_name, _layout_context(query=True)), status=500)

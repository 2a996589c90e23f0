"""One error shape for every API error:

{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, BadInput
from core.vocabulary import framework_message

MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "提交的数据有误，请按提示修改。",
    status.HTTP_401_UNAUTHORIZED: "请先登录或提供有效的令牌。",
    status.HTTP_403_FORBIDDEN: "没有权限执行此操作。",
    status.HTTP_404_NOT_FOUND: "未找到该对象，或您无权访问。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "不支持该请求方法。",
    status.HTTP_429_TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试。",
}


# ApplicationError codes that are not bad input: a stale save (core.versioning) conflicts with the
# stored record; a storage failure (core.storage) is the server's, and the client may retry later.
API_STATUS_BY_CODE = {
    "conflict": status.HTTP_409_CONFLICT,
    "storage": status.HTTP_503_SERVICE_UNAVAILABLE,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
}


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): _as_list(v) for k, v in detail.items()}
    return {"__all__": _as_list(detail)}


def _as_list(value):
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_as_list(item) if isinstance(item, (list, dict)) else [framework_message(item)])
        return out
    if isinstance(value, dict):
        return [f"{k}: {'；'.join(_as_list(v))}" for k, v in value.items()]
    return [framework_message(value)]


def error_response(status_code: int, code: str, message: str, fields: dict | None = None) -> Response:
    return Response(
        {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}},
        status=status_code,
    )


def exception_handler(exc, context):
    if isinstance(exc, BadInput):
        return error_response(400, "invalid", exc.message, {exc.field: [exc.message]} if exc.field else {})
    if isinstance(exc, ApplicationError):
        # "forbidden": another role's duty; "throttled": too often; a stale save (core.versioning) is
        # a conflict with the stored record, not bad input
        status_code = API_STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return error_response(status_code, exc.code, exc.message, exc.fields)
    if isinstance(exc, DjangoValidationError):
        app_exc = ApplicationError.from_validation_error(exc)
        return error_response(400, "invalid", app_exc.message, app_exc.fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "invalid"
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = MESSAGES[400]
    else:
        fields = {}
        message = MESSAGES.get(response.status_code) or str(getattr(exc, "detail", exc))
        if (response.status_code in (400, 429) or getattr(exc, "has_specific_message", False)) and getattr(
            exc, "detail", None
        ):
            message = str(exc.detail)
    response.data = {
        "error": {"status": response.status_code, "code": code, "message": message, "fields": fields}
    }
    return response

"""Structured request logs: one line per request with its id, user, method, path, status and duration.

``RequestLogMiddleware`` (first in MIDDLEWARE, so the duration covers everything) takes the request id
from a proxy's ``X-Request-ID`` when it is a plain token, else makes one, sends it back in the
response header and keeps it in a context variable; ``RequestContextFilter`` puts it and the user on
every log record written while the request runs. ``LOG_FORMAT=json`` swaps the text formatter for
python-json-logger's (settings.LOGGING).

The user is read only when the request has already resolved it (a lazy ``request.user`` is left
alone): logging never adds a session or user query to a request.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import empty

logger = logging.getLogger("portal.request")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_user: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="-")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request (or ``task:<id>``) being handled, ``""`` outside one; the audit trail
    records the same id as the log lines, so one can be found from the other."""
    value = _request_id.get()
    return "" if value == "-" else value


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        if not hasattr(record, "user"):
            record.user = _user.get()
        return True


def _resolved_username(request) -> str:
    user = request.__dict__.get("user")
    if user is None:
        return "-"
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is empty:  # still lazy: nobody needed it, so neither do the logs
        return "-"
    user = wrapped if wrapped is not None else user
    return user.get_username() if getattr(user, "is_authenticated", False) else "-"


_task_tokens: dict[str, tuple] = {}


def bind_task(task_id=None, **_kwargs) -> None:
    """Celery ``task_prerun``: the task's lines carry ``task:<id>`` where a request's carry its id."""
    if task_id:
        _task_tokens[task_id] = (_request_id.set(f"task:{task_id}"), _user.set("-"))


def unbind_task(task_id=None, **_kwargs) -> None:
    """Celery ``task_postrun``."""
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        _user.reset(tokens[1])
        _request_id.reset(tokens[0])


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        user_token = _user.set("-")
        started = time.monotonic()
        try:
            response = self.get_response(request)
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            username = _resolved_username(request)
            _user.set(username)
            response[HEADER] = request_id
            status = response.status_code
            level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
            logger.log(
                level,
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                status,
                duration_ms,
                username,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            _user.reset(user_token)
            _request_id.reset(id_token)

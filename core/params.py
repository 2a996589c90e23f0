"""Reading ids and filters from a request: a malformed value is a 400 naming the field, never a 500.

Views call these instead of passing raw ``request.GET``/``request.POST`` strings to the ORM (where
``pk="abc"`` raises ValueError and a NUL byte makes PostgreSQL refuse the query).
"""

from __future__ import annotations

from .errors import BadInput

INT_MAX = 2**63 - 1  # PostgreSQL bigint: a larger "id" overflows the query


def int_param(data, key: str, *, label: str, required: bool = False) -> int | None:
    """``data[key]`` as a positive whole number; absent/empty → None (or 400 when ``required``)."""
    raw = data.get(key)
    raw = "" if raw is None or isinstance(raw, bool) else str(raw).strip()
    if not raw:
        if required:
            raise BadInput(f"缺少“{label}”，请从页面上的列表中选择后再提交。", field=key)
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > INT_MAX:
        raise BadInput(f"“{label}”无效：应为页面上列出的编号（正整数），请从列表中选择后重试。", field=key)
    return int(raw)


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def safe_next(request, default: str) -> str:
    """The ``next`` the form posted when it points into this portal, else ``default`` (never another
    host: ``https://evil.example/``, ``//evil.example``, ``http:/\\\\evil.example`` all fall back)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

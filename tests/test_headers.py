"""Issue 14 §5: security headers, no inline script, nothing personal cached, the schema behind login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.roles import Role
from core.testing import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _templates():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or "pdf" in path.parts:  # PDF templates never reach a browser
            continue
        yield path


def test_no_template_holds_inline_script_or_event_handlers():
    offenders = []
    for path in _templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert not offenders, "inline script breaks the CSP; use static/portal/portal.js:\n" + "\n".join(
        offenders
    )


def test_pages_send_csp_without_inline_script_and_a_permissions_policy(client):
    client.force_login(make_user("hdr_bureau", Role.BUREAU))
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_signed_in_pages_and_api_are_not_stored_but_public_pages_and_static_may_be(client):
    public = client.get("/public/")
    assert "no-store" not in public.get("Cache-Control", "")
    static = client.get("/static/portal/portal.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")
    anonymous_api = client.get("/api/v1/centers/")
    assert "no-store" in anonymous_api["Cache-Control"]
    client.force_login(make_user("hdr_bureau2", Role.BUREAU))
    for path in ("/", "/api/v1/centers/", "/centers/organizations/export.xlsx"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path


def test_schema_and_docs_need_a_login(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 302 and "/accounts/login/" in schema["Location"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and "/accounts/login/" in docs["Location"]
    client.force_login(make_user("hdr_docs", Role.DIRECTOR))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert not INLINE_SCRIPT.search(page.content.decode()), "Swagger UI must start from a script file"
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200

"""Issue 14 §6: a bounded schemathesis run over the whole API schema, as the bureau and as a director.

Schemathesis reads the portal's own OpenAPI document and generates, for every operation, requests
that fit the schema (``positive``) and requests that break it (``negative``: wrong types, missing
fields, values out of range). Each one is sent through Django's test client with the persona's
session, inside the test's transaction (rolled back afterwards), and the run fails on any answer of
500 or above — a user must always get the portal's own 4xx with a Chinese message instead.

Bounded and repeatable: a few examples per operation and mode, ``derandomize=True`` (Hypothesis
derives its choices from the test itself, so every run sends the same requests) and no example
database. On an ``{id}`` route the negative cases keep the generator's ids and the positive ones use an
object the persona can see, so the validation of real objects is reached too.

Measured: 126 operations, about 640 requests a persona; 2 min 14 s of CPU for both personas on the
two-core machine (the run's wall time depends on how loaded the machine is).
"""

from __future__ import annotations

import contextlib
import json
import time
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from accounts.models import User
from core.testing import login_as

pytestmark = pytest.mark.django_db

EXAMPLES = 2
# Operations left out, and why. Nothing else is.
SKIPPED = {
    # logs the persona out: every later request would be anonymous (covered in accounts/tests)
    ("POST", "/api/v1/auth/token/revoke/"),
}


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    login_as(client, User.objects.get(username=username))
    return client


def _send(client: Client, case) -> int:
    path = case.formatted_path
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in {"authorization", "cookie"}}
    media_type = case.media_type or "application/json"
    if case.body is NOT_SET:
        data, content_type = b"", "application/json"
    elif media_type.startswith("multipart/"):
        fields = case.body if isinstance(case.body, dict) else {"file": case.body}
        data = encode_multipart(BOUNDARY, {k: _form_value(k, v) for k, v in fields.items()})
        content_type = MULTIPART_CONTENT
    elif isinstance(case.body, bytes):
        data, content_type = case.body, media_type
    else:
        data, content_type = json.dumps(case.body, default=_text), "application/json"
    return client.generic(case.method.upper(), path, data, content_type, headers=headers).status_code


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _form_value(name: str, value):
    if isinstance(value, bytes):
        return SimpleUploadedFile(f"{name}.pdf", value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_text)
    return "" if value is None else str(value)


def _visible_id(client: Client, path_template: str) -> int | None:
    """The first object the persona's list of this route shows, if the route has a list."""
    list_path = path_template.split("{")[0]
    response = client.get(list_path)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/json"):
        return None
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict) and "id" in rows[0]:
        return rows[0]["id"]
    return None


def _fuzz(client: Client, operation, failures: list, *, mode, path_parameters=None) -> int:
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case):
        nonlocal sent
        sent += 1
        status = _send(client, case)
        if status >= 500:
            failures.append((case.method.upper(), case.formatted_path, case.query, case.body, status))

    # Unsatisfiable: the schema leaves nothing to break in this mode (a negative case of a body-less GET)
    with contextlib.suppress(Unsatisfiable):
        run()
    return sent


@pytest.mark.parametrize("username", ["bureau", "director_zhujiajiao"])
def test_no_generated_request_gets_a_server_error(demo, username):
    client = _client(username)
    document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schemathesis.openapi.from_dict(document)

    failures: list = []
    operations = sent = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        # On an {id} route a generated id is an object that does not exist (404 before any
        # validation): the positive cases are sent with an object the persona can see instead.
        modes = [GenerationMode.NEGATIVE] if "{id}" in operation.path else list(GenerationMode)
        for mode in modes:
            sent += _fuzz(client, operation, failures, mode=mode)
        if "{id}" in operation.path:
            real = _visible_id(client, operation.path)
            if real is not None:
                sent += _fuzz(
                    client, operation, failures, mode=GenerationMode.POSITIVE, path_parameters={"id": real}
                )
    elapsed = time.monotonic() - started
    print(f"{username}: {operations} operations, {sent} requests, {elapsed:.0f} s")
    assert operations > 50, "the schema lost its operations"
    assert not failures, "\n".join(map(repr, failures[:20]))

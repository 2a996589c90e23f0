"""Issue 14 §7, from the outsider's side: three planted bugs that the whole suite once let through.

1. Spot-check scores are the auditor's until the results are published: a director or a supervising
   unit that reads them during 抽检 could argue with the auditor before the bureau decides
   (``AuditScore.restrict_queryset``; the matrix only ever saw a published cycle).
2. Every download leaves an audit entry (等保二级 安全审计): an evidence file taken without a trace is
   exactly what an inspector looks for.
3. No API answer carries a stored file (a labour contract holds an ID number and pay): files are
   served only by their permission-checked, audited download views.
"""

from __future__ import annotations

import pytest
from django.db.models import FileField
from django.test import Client

from accounts.demo import supervisor_username
from accounts.models import User
from core.models import AuditEntry
from core.permissions import restrict
from core.testing import login_as
from evaluations.choices import RESULTS_OUT_STATES, CycleState
from evaluations.models import AuditScore, Cycle, Evidence, Filing
from staffing.models import StaffMember

pytestmark = pytest.mark.django_db

AUDITOR_COMMENT = "佐证材料不足，部分活动无签到记录"  # the demo auditor's comment on 朱家角


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    login_as(client, User.objects.get(username=username))
    return client


@pytest.fixture
def zjj_filing(demo):
    cycle = Cycle.objects.filter(state__in=RESULTS_OUT_STATES).order_by("-year").first()
    return Filing.objects.select_related("center__supervising_unit").get(
        cycle=cycle, center__name__contains="朱家角"
    )


def _scores_seen(client: Client, filing: Filing) -> tuple[int, bool]:
    api = client.get("/api/v1/audit-scores/", {"page_size": 500})
    assert api.status_code in (200, 404)  # 404: the route is not this role's at all
    rows = api.json()["results"] if api.status_code == 200 else []
    page = client.get(f"/evaluations/filings/{filing.pk}/")
    comment_on_page = page.status_code == 200 and AUDITOR_COMMENT in page.content.decode()
    return len([r for r in rows if r.get("filing") == filing.pk]), comment_on_page


@pytest.mark.parametrize("who", ["director", "supervisor"])
def test_the_center_does_not_read_the_auditors_scores_during_the_spot_check(zjj_filing, who):
    username = (
        "director_zhujiajiao"
        if who == "director"
        else supervisor_username(zjj_filing.center.supervising_unit)
    )
    client = _client(username)
    assert AuditScore.objects.filter(filing=zjj_filing).exists()

    # published: the center reads what the auditor found (the control that makes the test mean something)
    user = User.objects.get(username=username)
    seen, on_page = _scores_seen(client, zjj_filing)
    assert on_page
    assert restrict(AuditScore.objects.filter(filing=zjj_filing), user).exists()

    Cycle.objects.filter(pk=zjj_filing.cycle_id).update(state=CycleState.SPOT_CHECK)
    seen, on_page = _scores_seen(client, zjj_filing)
    assert seen == 0, "the auditor's scores are readable before the results are published"
    assert not on_page
    # The rule itself, not only the routes in front of it (the API is the auditors' by declaration,
    # so a page or a route opened later would inherit whatever the rule lets through).
    assert not restrict(AuditScore.objects.filter(filing=zjj_filing), user).exists()
    score = AuditScore.objects.filter(filing=zjj_filing).first()
    assert client.get(f"/api/v1/audit-scores/{score.pk}/").status_code == 404


def test_the_assigned_auditor_still_reads_their_own_scores_during_the_spot_check(zjj_filing):
    Cycle.objects.filter(pk=zjj_filing.cycle_id).update(state=CycleState.SPOT_CHECK)
    seen, _ = _scores_seen(_client("auditor1"), zjj_filing)
    assert seen == AuditScore.objects.filter(filing=zjj_filing).count() > 0


def _downloads(demo_filing):
    evidence = Evidence.objects.filter(filing=demo_filing).first()
    member = StaffMember.objects.exclude(contract="").select_related("center").first()
    return [
        (
            "director_zhujiajiao",
            f"/evaluations/evidence/{evidence.pk}/download/",
            "evaluations.evidence.downloaded",
        ),
        ("director_zhujiajiao", f"/evaluations/filings/{demo_filing.pk}/work-plan/", None),
        ("bureau", f"/staffing/members/{member.pk}/contract/", None),
    ]


def test_every_file_download_leaves_one_audit_entry_naming_who_took_what(zjj_filing):
    for username, path, action in _downloads(zjj_filing):
        client = _client(username)
        before = AuditEntry.objects.count()
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content) if response.streaming else response.content
        entries = list(AuditEntry.objects.order_by("pk")[before:])
        downloads = [e for e in entries if "download" in e.action]
        assert len(downloads) == 1, (path, [e.action for e in entries])
        entry = downloads[0]
        assert entry.actor.username == username
        assert entry.outcome == "success"
        if action:
            assert entry.action == action


def _stored_file_names() -> set[str]:
    from django.apps import apps

    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                names.update(
                    n
                    for n in model.objects.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                    if n
                )
    return names


def test_no_api_answer_carries_a_stored_file(demo):
    """Every list and every first object of every API route, read by every reading role: no stored
    file name (the contract, the evidence, the work plan, a report) appears in any answer."""
    stored = _stored_file_names()
    assert any(n.startswith("staffing/contracts/") for n in stored)
    schema = _client("bureau").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    lists = [p for p, ops in schema["paths"].items() if "get" in ops and "{" not in p]
    member = StaffMember.objects.exclude(contract="").select_related("center__supervising_unit").first()
    readers = ["bureau", supervisor_username(member.center.supervising_unit)]
    readers += list(
        User.objects.filter(center=member.center, is_active=True).values_list("username", flat=True)
    )
    for username in readers:
        client = _client(username)
        for path in lists:
            response = client.get(path)
            if response.status_code != 200:
                continue
            body = response.content.decode()
            rows = response.json().get("results", []) if isinstance(response.json(), dict) else []
            if rows and isinstance(rows[0], dict) and "id" in rows[0]:
                body += client.get(f"{path}{rows[0]['id']}/").content.decode()
            leaked = [n for n in stored if n in body]
            assert not leaked, (username, path, leaked[:3])
        detail = client.get(f"/api/v1/staff-members/{member.pk}/")
        if detail.status_code == 200:
            assert "contract" not in {k for k in detail.json() if k != "contract_filename"}, username

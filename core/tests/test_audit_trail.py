"""Issue 14 §3: an audit trail an inspector accepts — from the user's, the outsider's and the DBA's side.

Before: failed logins left no lasting record (axes wipes its rows on the next success), refusals were
not recorded, entries had no address or outcome, register-file downloads and the organisation export
were not audited, admin actions were outside the log, nothing set retention, and an entry changed in
the database went unnoticed.
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from centers.choices import CenterLevel
from centers.models import District, ServiceCenter, StreetTown
from core.audit import archive_and_purge, log_action, seal_audit_chain, verify_chain
from core.models import AuditEntry, AuditOutcome, PolicyParameter
from core.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centers(db):
    district = District.objects.order_by("pk").first()
    towns = list(StreetTown.objects.filter(district=district).order_by("sort_order")[:2])
    return [
        ServiceCenter.objects.create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=st,
            name=f"{st.name}服务中心",
            supervising_unit=st.supervising_unit,
        )
        for st in towns
    ]


def _login(client, username, password, address="10.1.2.3"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_sign_in_failure_and_sign_out_are_recorded_with_address_and_outcome(client):
    user = make_user("au_bureau", Role.BUREAU)
    _login(client, "au_bureau", "wrong-Password-1")
    _login(client, "au_bureau", TEST_PASSWORD)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.1.2.3")
    failed = AuditEntry.objects.get(action="accounts.user.login_failed")
    assert failed.outcome == AuditOutcome.FAILED and failed.address == "10.1.2.3"
    assert failed.object_id == str(user.pk) and failed.request_id
    ok = AuditEntry.objects.get(action="accounts.user.logged_in")
    assert ok.actor == user and ok.outcome == AuditOutcome.SUCCESS and ok.address == "10.1.2.3"
    assert AuditEntry.objects.filter(action="accounts.user.logged_out", actor=user).exists()
    # the failure stays on record after the success (axes forgets its own attempt rows)
    assert AuditEntry.objects.filter(action="accounts.user.login_failed").count() == 1


def test_a_lockout_is_recorded_as_refused(client, settings):
    make_user("au_locked", Role.DIRECTOR)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "au_locked", "wrong-Password-1")
    entry = AuditEntry.objects.get(action="accounts.user.locked_out")
    assert entry.outcome == AuditOutcome.REFUSED and entry.data["username"] == "au_locked"


def test_a_refused_object_route_is_recorded(two_centers):
    a, b = two_centers
    director = make_user("au_director", Role.DIRECTOR, center=a)
    client = Client()
    client.force_login(director)
    response = client.get(reverse("centers:center_detail", args=[b.pk]), REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="access.refused")
    assert entry.actor == director and entry.outcome == AuditOutcome.REFUSED
    assert entry.address == "10.9.9.9" and entry.data["path"].endswith(f"/{b.pk}/")


def test_the_organisation_export_is_recorded(client):
    bureau = make_user("au_exporter", Role.BUREAU)
    client.force_login(bureau)
    assert client.get(reverse("centers:organization_export")).status_code == 200
    assert AuditEntry.objects.filter(action="centers.socialorganization.exported", actor=bureau).exists()


def test_admin_actions_are_recorded(client):
    admin = make_user("au_admin", Role.BUREAU, is_superuser=True, is_staff=True)
    client.force_login(admin)
    parameter = PolicyParameter.objects.order_by("pk").first()
    url = reverse("admin:core_policyparameter_change", args=[parameter.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["label"] = (parameter.label or "参数") + "（修订）"
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    entry = AuditEntry.objects.get(action="admin.object.changed")
    assert entry.actor == admin and parameter.label in entry.object_repr


def test_entries_cannot_be_changed_or_deleted_even_with_sql():
    entry = log_action("core.test.recorded", data={"n": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="core.test.rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "core.test.recorded"


def _tamper(sql: str, params):
    """What a DBA with write access could do: switch the guard off for one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('qingpu.audit_purge', 'on', true)")
        cursor.execute(sql, params)


def test_the_chain_holds_and_a_change_in_the_database_is_named():
    entries = [log_action("core.test.recorded", data={"n": n}) for n in range(5)]
    assert seal_audit_chain() >= 5
    assert verify_chain()[1] == []
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "校验通过" in out.getvalue()
    victim = AuditEntry.objects.get(pk=entries[2].pk)
    _tamper("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"n": 99}', victim.pk])
    _checked, problems = verify_chain()
    assert any(f"第 {victim.seq} 号记录" in p and "改动" in p for p in problems), problems
    with pytest.raises(CommandError, match="校验未通过"):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())


def test_a_deleted_entry_leaves_a_gap_that_is_named():
    entries = [log_action("core.test.recorded", data={"n": n}) for n in range(4)]
    seal_audit_chain()
    victim = AuditEntry.objects.get(pk=entries[1].pk)
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [victim.pk])
    _checked, problems = verify_chain()
    assert any("缺失" in p for p in problems), problems


def test_entries_past_retention_are_archived_whole_then_removed(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.AUDIT_RETENTION_DAYS = 365
    old = log_action("core.test.old", data={"n": 1})
    recent = log_action("core.test.recent", data={"n": 2})
    _tamper(
        "UPDATE core_auditentry SET created_at = %s WHERE id = %s",
        [timezone.now() - timedelta(days=400), old.pk],
    )
    result = archive_and_purge()
    assert result["archived"] == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    files = list((tmp_path / "audit-archives").glob("audit-*.jsonl.gz"))
    assert len(files) == 1 and not list((tmp_path / "audit-archives").glob(".*part"))
    with gzip.open(files[0], "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert [line["action"] for line in lines] == ["core.test.old"]
    assert lines[0]["entry_hash"] and lines[0]["address"] is None
    assert verify_chain()[1] == []  # the remaining chain still verifies


# ---- the audit administrator's viewer and API ------------------------------------------------------
def test_the_audit_admin_filters_by_outcome_address_action_and_reads_chinese(client, tmp_path, settings):
    from core.testing import login_as

    settings.MEDIA_ROOT = str(tmp_path)
    auditor = make_user("au_auditadmin", Role.AUDIT_ADMIN)
    log_action("accounts.user.login_failed", outcome=AuditOutcome.FAILED, data={"username": "x"})
    login_as(client, auditor)
    page = client.get(reverse("core:audit_list"), {"outcome": "failed"})
    html = page.content.decode()
    assert page.status_code == 200 and "账号 · 登录失败" in html and "失败" in html
    assert "accounts.user.login_failed" not in html  # never the raw code
    assert "登录失败" in client.get(reverse("core:audit_list"), {"action": "登录失败"}).content.decode()
    api = client.get("/api/v1/audit-entries/", {"outcome": "failed"}).json()
    assert api["count"] >= 1 and all(e["outcome"] == "failed" for e in api["results"])
    assert api["results"][0]["action_label"] == "账号 · 登录失败"
    export = client.get(reverse("core:audit_export"), {"outcome": "failed"})
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]


@pytest.mark.parametrize("role", [Role.BUREAU, Role.ACCOUNT_ADMIN, Role.DIRECTOR, Role.AUDITOR])
def test_nobody_but_the_audit_admin_reads_the_trail(client, role):
    from core.testing import login_as

    login_as(client, make_user(f"au_{role}", role))
    assert client.get(reverse("core:audit_list")).status_code == 404
    assert client.get(reverse("core:audit_export")).status_code == 404
    assert client.get("/api/v1/audit-entries/").status_code == 404
    entry = log_action("core.test.recorded")
    assert client.get(f"/api/v1/audit-entries/{entry.pk}/").status_code == 404


def test_archives_are_listed_and_downloaded_by_the_audit_admin_only(client, tmp_path, settings):
    from core.testing import login_as

    settings.MEDIA_ROOT = str(tmp_path)
    old = log_action("core.test.old")
    _tamper(
        "UPDATE core_auditentry SET created_at = %s WHERE id = %s",
        [timezone.now() - timedelta(days=400), old.pk],
    )
    name = archive_and_purge()["file"]
    login_as(client, make_user("au_auditadmin2", Role.AUDIT_ADMIN))
    assert name in client.get(reverse("core:audit_list")).content.decode()
    download = client.get(reverse("core:audit_archive_download", args=[name]))
    assert download.status_code == 200
    assert gzip.decompress(b"".join(download.streaming_content)).startswith(b"{")
    assert client.get("/audit/archives/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get(reverse("core:audit_archive_download", args=["audit-none.jsonl.gz"])).status_code == 404
    bureau = Client()
    login_as(bureau, make_user("au_bureau3", Role.BUREAU))
    assert bureau.get(reverse("core:audit_archive_download", args=[name])).status_code == 404

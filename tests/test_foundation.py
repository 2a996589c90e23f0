"""The foundation: demo data, roles and grants, login security, jobs, health, API base."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts.models import User
from accounts.roles import Role
from centers.models import ServiceCenter, StreetTown, SupervisingUnit
from core.jobs import job_create
from core.models import Job, PolicyParameter
from core.permissions import restrict
from core.testing import TEST_PASSWORD, make_user
from staffing.models import MinimumWage

pytestmark = pytest.mark.django_db


def _counts():
    return (
        User.objects.count(),
        ServiceCenter.objects.count(),
        UserObjectPermission.objects.count(),
        Group.objects.count(),
        StreetTown.objects.count(),
    )


def test_migrations_load_reference_data_but_create_no_account():
    assert User.objects.count() == 0
    assert set(StreetTown.objects.values_list("name", flat=True)) == {
        "夏阳街道",
        "盈浦街道",
        "香花桥街道",
        "朱家角镇",
        "练塘镇",
        "金泽镇",
        "赵巷镇",
        "徐泾镇",
        "华新镇",
        "重固镇",
        "白鹤镇",
    }
    assert StreetTown.objects.get(name="朱家角镇").code == "310118102"
    assert SupervisingUnit.objects.get(name="朱家角镇人民政府").street_town.name == "朱家角镇"
    assert SupervisingUnit.objects.filter(name="青浦区民政局").exists()
    assert SupervisingUnit.objects.filter(name="夏阳街道办事处").exists()
    wage = MinimumWage.objects.get(effective_from="2025-07-01")
    assert wage.monthly_amount == 2740 and wage.source
    assert MinimumWage.objects.get(effective_from="2023-07-01").to_confirm
    params = {p.key: (p.rule_id, p.value) for p in PolicyParameter.objects.all()}
    assert params["district_staff_ratio"] == ("R-STAFF-1", 50)
    assert params["street_town_staff_ratio"] == ("R-STAFF-2", 20)
    assert params["street_town_staff_minimum"] == ("R-STAFF-2", 2)
    assert params["venue_min_area"] == ("R-VENUE-1", 200)
    assert params["rating_min_grade"] == ("R-EFF-2", 3)
    assert params["rating_after_years"] == ("R-EFF-2", 2)
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_reference_loader_keeps_bureau_edits():
    from core.reference import load_policy_parameters

    PolicyParameter.objects.filter(key="venue_min_area").update(value=250)
    load_policy_parameters()
    assert PolicyParameter.objects.get(key="venue_min_area").value == 250


def test_seed_demo_is_idempotent(demo):
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first
    assert set(User.objects.values_list("username", flat=True)) >= {
        "bureau",
        "director_zhujiajiao",
        "director_jinze",
        "supervisor_zhujiajiao",
        "auditor1",
        "admin",
    }
    director = User.objects.get(username="director_zhujiajiao")
    assert director.role == Role.DIRECTOR
    assert director.check_password(TEST_PASSWORD)
    assert director.center.street_town.name == "朱家角镇"


def test_director_sees_only_own_center_and_bureau_sees_all(demo):
    director = User.objects.get(username="director_zhujiajiao")
    bureau = User.objects.get(username="bureau")
    supervisor = User.objects.get(username="supervisor_zhujiajiao")
    auditor = User.objects.get(username="auditor1")
    centers = ServiceCenter.objects.all()
    assert list(restrict(centers, director).values_list("street_town__name", flat=True)) == ["朱家角镇"]
    assert list(restrict(centers, director, "change").values_list("street_town__name", flat=True)) == [
        "朱家角镇"
    ]
    assert list(restrict(centers, supervisor).values_list("street_town__name", flat=True)) == ["朱家角镇"]
    assert not restrict(centers, supervisor, "change").exists()
    assert not restrict(centers, auditor).exists()
    assert restrict(centers, bureau).count() == centers.count() >= 12


def test_outsider_gets_404_on_a_job_it_holds_no_grant_for(client):
    owner = make_user("owner", Role.DIRECTOR)
    outsider = make_user("outsider", Role.DIRECTOR)
    job = job_create(kind="test", label="测试任务", requester=owner)
    client.force_login(outsider)
    for name in ("core:job_detail", "core:job_status", "core:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 200
    response = client.get(reverse("core:job_status", args=[job.pk]))
    assert response.json()["status"] == "pending"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_rules_are_enforced():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak, message in [
        ("abc12345", "太短"),
        ("onlyletterspassword", "至少 3 种"),
        ("1234567890123", "至少 3 种"),
    ]:
        with pytest.raises(ValidationError) as exc:
            validate_password(weak)
        assert message in " ".join(exc.value.messages)
    validate_password("Qingpu2026secure")


def test_account_locks_after_five_failures_with_a_chinese_message(client):
    make_user("locked", Role.DIRECTOR)
    for _ in range(5):
        response = client.post(
            reverse("accounts:login"), {"username": "locked", "password": "wrong-Password1"}
        )
    response = client.post(reverse("accounts:login"), {"username": "locked", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_failed_login_says_so_in_chinese(client):
    make_user("someone", Role.DIRECTOR)
    response = client.post(reverse("accounts:login"), {"username": "someone", "password": "wrong-Password1"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_session_ends_after_thirty_minutes_idle(client):
    user = make_user("idle", Role.DIRECTOR)
    client.force_login(user)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60
    # Thirty minutes without a request: the stored session has expired and the next page asks to sign in.
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_request_moves_the_idle_timeout_on_but_saves_the_session_at_most_once_a_minute(client):
    user = make_user("busy", Role.DIRECTOR)
    client.force_login(user)
    key = client.session.session_key
    client.get("/")
    stored = Session.objects.get(pk=key).expire_date
    with CaptureQueriesContext(connection) as within_a_minute:
        client.get("/")
    writes = [q["sql"] for q in within_a_minute.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes == []  # no session write, so every page is three queries cheaper
    assert Session.objects.get(pk=key).expire_date == stored
    # A minute after the expiry was last moved on, the next request moves it on again.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    session = client.session
    session["_touched"] -= 61
    session.save()
    before = Session.objects.get(pk=key).expire_date
    client.get("/")
    after = Session.objects.get(pk=key).expire_date
    assert after > before and after > timezone.now() + timedelta(minutes=29)


def test_an_anonymous_visit_stores_no_session(client):
    client.get(reverse("accounts:login"))
    client.get("/")
    assert Session.objects.count() == 0


def test_token_api_returns_a_token_and_errors_have_one_shape(client):
    make_user("apiuser", Role.BUREAU)
    ok = client.post("/api/v1/auth/token/", {"username": "apiuser", "password": TEST_PASSWORD})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    bad = client.post("/api/v1/auth/token/", {"username": "apiuser", "password": "nope"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["status"] == 400 and error["message"] and "non_field_errors" in error["fields"]
    anonymous = client.get("/api/v1/auth/token/")
    assert anonymous.status_code == 405 and anonymous.json()["error"]["message"] == "不支持该请求方法。"


def test_openapi_schema_and_local_docs(client):
    user = make_user("docs", Role.BUREAU)
    client.force_login(user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs.lower()
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_pages_use_no_cdn(client, demo):
    client.force_login(User.objects.get(username="bureau"))
    html = client.get("/").content.decode()
    # the inline charts' SVG namespace is a name, not an address anything is fetched from
    html = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in html and "https://" not in html
    assert client.get("/static/portal/portal.css").status_code == 200


def test_health_is_degraded_without_a_worker(client):
    from core.models import WorkerHeartbeat

    # A worker another test of this process started may still be beating: no heartbeat is on record
    # here (the test's transaction holds the rows, so a beat meanwhile waits until it has ended).
    WorkerHeartbeat.objects.all().delete()
    client.force_login(make_user("health_staff", Role.BUREAU))  # the detail is for staff only
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["worker"].startswith("最近 3 秒内没有后台 worker 的心跳")


def test_pdf_renderer_refuses_urls_outside_the_portal():
    from weasyprint import HTML

    from reports.pdf import BASE_URL, PortalURLFetcher

    fetcher = PortalURLFetcher()
    html = '<img src="http://example.com/tracker.png"><link rel="stylesheet" href="/static/reports/pdf.css"><p>测试</p>'
    HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    assert fetcher.refused == ["http://example.com/tracker.png"]


def test_job_rows_start_pending_and_grant_their_requester():
    user = make_user("req", Role.AUDITOR)
    job = job_create(kind="k", label="L", requester=user)
    assert job.status == "pending" and job.progress == 0
    assert list(restrict(Job.objects.all(), user)) == [job]


def test_bureau_edits_policy_parameters_in_the_admin(client):
    bureau = make_user("bureau_admin", Role.BUREAU)
    client.force_login(bureau)
    param = PolicyParameter.objects.get(key="venue_min_area")
    url = reverse("admin:core_policyparameter_change", args=[param.pk])
    page = client.get(url)
    assert page.status_code == 200 and "R-VENUE-1" in page.content.decode()
    data = {
        "rule_id": "R-VENUE-1",
        "label": param.label,
        "value": "220",
        "unit": "平方米",
        "source": param.source,
        "effective_from": "2027-01-01",
        "note": "新政策",
    }
    assert client.post(url, data).status_code == 302
    assert PolicyParameter.objects.get(key="venue_min_area").value == 220


def test_directors_cannot_open_the_admin(client):
    director = make_user("dir_admin", Role.DIRECTOR)
    client.force_login(director)
    assert client.get(reverse("admin:core_policyparameter_changelist")).status_code == 302


def test_every_apps_tests_are_in_the_suite():
    """`make test` runs pytest's testpaths: an app whose tests are left out of them is never checked
    (the registers' tests once were)."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    testpaths = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    )
    apps_with_tests = {
        p.parent.name for p in root.glob("*/tests") if p.parent.name not in {".venv", "node_modules"}
    }
    assert apps_with_tests - {"tests"} <= testpaths, sorted(apps_with_tests - testpaths)

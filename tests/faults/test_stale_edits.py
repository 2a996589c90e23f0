"""Two people editing the same record: the later save made from a stale page is refused with the
staffing forms' message, nothing of the first is overwritten; in the API the stale write is a 409.

Every form of issue 11 part 3: center particulars, board member, income line, organisation, filing
figures, self-assessment, audit scores (and the cycle and rubric the bureau edits).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from centers.models import BoardMember, IncomeLine, ServiceCenter, SocialOrganization
from centers.tests import factories as f
from core.testing import make_user
from evaluations import services
from evaluations.models import AuditScore, Cycle, Filing, Indicator, SelfScore
from evaluations.tests.conftest import centers, complete_filing, open_cycle, people  # noqa: F401

pytestmark = pytest.mark.django_db

STALE = "已被他人修改"


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def read_version(page, name="version") -> str:
    """The version the page was opened at (the hidden field every edit form carries)."""
    match = re.search(rf'name="{name}" value="(\d+)"', page.content.decode())
    assert match, f"the edit page carries no hidden {name}"
    return match.group(1)


def refused(response) -> bool:
    return response.status_code == 200 and STALE in response.content.decode()


# ---- centers ---------------------------------------------------------------------------------------
@pytest.fixture
def registry(db):
    center = f.center_for("朱家角镇")
    return {
        "center": center,
        "director": make_user("t_director", Role.DIRECTOR, center=center),
        "colleague": make_user("t_colleague", Role.DIRECTOR, center=center),
        "bureau": make_user("t_bureau", Role.BUREAU),
        "bureau2": make_user("t_bureau2", Role.BUREAU),
        "board": BoardMember.objects.create(
            center=center, name="张三", role="chair", term_start=date(2022, 1, 1)
        ),
        "income": IncomeLine.objects.create(
            center=center, year=2025, source="government_funding", amount=100000
        ),
        "organization": f.organizations(1, street_town_obj=center.street_town)[0],
    }


def test_center_particulars_second_stale_save_is_refused(registry):
    center = registry["center"]
    url = reverse("centers:center_edit", args=[center.pk])
    a, b = session(registry["director"]), session(registry["colleague"])
    va, vb = read_version(a.get(url)), read_version(b.get(url))
    base = {"name": center.name, "registered_on": "", "established_on": "2015-03-01"}
    assert a.post(url, {**base, "phone": "021-59230001", "version": va}).status_code == 302
    assert refused(b.post(url, {**base, "phone": "021-59239999", "version": vb}))
    center.refresh_from_db()
    assert center.phone == "021-59230001" and center.version == 2


def test_board_member_second_stale_save_is_refused(registry):
    board = registry["board"]
    url = reverse("centers:record_edit", args=[board.center_id, "board-member", board.pk])
    a, b = session(registry["director"]), session(registry["colleague"])
    va, vb = read_version(a.get(url)), read_version(b.get(url))
    base = {"role": "chair", "term_start": "2022-01-01"}
    assert a.post(url, {**base, "name": "张三丰", "version": va}).status_code == 302
    assert refused(b.post(url, {**base, "name": "李四", "version": vb}))
    board.refresh_from_db()
    assert board.name == "张三丰" and board.version == 2


def test_income_line_second_stale_save_is_refused(registry):
    income = registry["income"]
    url = reverse("centers:record_edit", args=[income.center_id, "income", income.pk])
    a, b = session(registry["director"]), session(registry["bureau"])
    va, vb = read_version(a.get(url)), read_version(b.get(url))
    base = {"year": 2025, "source": "government_funding"}
    assert a.post(url, {**base, "amount": "120000", "version": va}).status_code == 302
    assert refused(b.post(url, {**base, "amount": "80000", "version": vb}))
    income.refresh_from_db()
    assert income.amount == Decimal("120000") and income.version == 2


def test_organization_second_stale_save_is_refused(registry):
    org = registry["organization"]
    url = reverse("centers:organization_edit", args=[org.pk])
    a, b = session(registry["bureau"]), session(registry["bureau2"])
    va, vb = read_version(a.get(url)), read_version(b.get(url))
    base = {
        "credit_code": org.credit_code,
        "kind": org.kind,
        "registered_on": org.registered_on.isoformat(),
        "street_town": org.street_town_id,
        "status": org.status,
    }
    assert a.post(url, {**base, "name": "青浦区甲协会", "version": va}).status_code == 302
    assert refused(b.post(url, {**base, "name": "青浦区乙协会", "version": vb}))
    org.refresh_from_db()
    assert org.name == "青浦区甲协会" and org.version == 2


def test_a_save_without_a_version_is_refused_and_says_how_to_fix(registry):
    board = registry["board"]
    url = reverse("centers:record_edit", args=[board.center_id, "board-member", board.pk])
    response = session(registry["director"]).post(
        url, {"role": "chair", "term_start": "2022-01-01", "name": "王五"}
    )
    assert response.status_code == 200 and "请从最新页面提交修改" in response.content.decode()
    board.refresh_from_db()
    assert board.name == "张三" and board.version == 1


@pytest.mark.parametrize(
    ("endpoint", "key", "change", "field"),
    [
        ("centers", "center", {"phone": "021-1"}, "phone"),
        ("board-members", "board", {"name": "甲"}, "name"),
        ("income-lines", "income", {"amount": "1"}, "amount"),
        ("social-organizations", "organization", {"industry": "教育"}, "industry"),
    ],
)
def test_api_stale_write_is_a_409_in_the_error_shape(registry, endpoint, key, change, field):
    obj = registry[key]
    url = f"/api/v1/{endpoint}/{obj.pk}/"
    client = api(registry["bureau"])
    first = client.patch(url, {**change, "version": 1}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 2
    stale = client.patch(url, {field: "2" if field == "amount" else "乙", "version": 1}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["status"] == 409 and error["code"] == "conflict" and STALE in error["message"]
    missing = client.patch(url, {field: "3" if field == "amount" else "丙"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]
    obj.refresh_from_db()
    assert str(getattr(obj, field)).rstrip("0").rstrip(".") == str(change[field]) and obj.version == 2


# ---- evaluations -----------------------------------------------------------------------------------
@pytest.fixture
def filing(people):  # noqa: F811
    cycle = open_cycle(2026, people["bureau"])
    return Filing.objects.select_related("cycle").get(cycle=cycle, center=people["zjj"])


def test_filing_figures_second_stale_save_is_refused(people, filing):  # noqa: F811
    url = reverse("evaluations:filing_edit", args=[filing.pk])
    a, b = session(people["director"]), session(people["bureau"])
    va, vb = read_version(a.get(url)), read_version(b.get(url))
    note = "按纸质签到表填报"  # a typed figure needs its note
    assert a.post(url, {"trainings_held": "4", "note_trainings_held": note, "version": va}).status_code == 302
    assert refused(b.post(url, {"trainings_held": "9", "note_trainings_held": note, "version": vb}))
    filing.refresh_from_db()
    assert filing.trainings_held == 4 and filing.version == 2


def test_self_assessment_second_stale_save_is_refused(people, filing):  # noqa: F811
    indicator = filing.cycle.indicators.filter(method="scored").order_by("sort_order").first()
    url = reverse("evaluations:self_assessment", args=[filing.pk])
    # two tabs of the director (the self-assessment is the center's own)
    a, b = session(people["director"]), session(people["director"])
    name = f"version_{indicator.pk}"
    va, vb = read_version(a.get(url), name), read_version(b.get(url), name)
    assert va == vb == "0"
    assert a.post(url, {f"score_{indicator.pk}": "1", name: va}).status_code == 302
    assert refused(b.post(url, {f"score_{indicator.pk}": "0.5", name: vb}))
    row = SelfScore.objects.get(filing=filing, indicator=indicator)
    assert row.score == Decimal("1") and row.version == 1
    # the same with a score both had read: the later save is refused again
    va = read_version(a.get(url), name)
    assert a.post(url, {f"score_{indicator.pk}": "1.5", name: va}).status_code == 302
    assert refused(b.post(url, {f"score_{indicator.pk}": "0.5", name: va}))
    row.refresh_from_db()
    assert row.score == Decimal("1.5") and row.version == 2


@pytest.fixture
def assigned(people):  # noqa: F811
    """ZJJ's 2025 filing accepted, sampled and assigned to `auditor`: the cycle is in spot check."""
    bureau = people["bureau"]
    cycle = open_cycle(2025, bureau)
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    complete_filing(filing, bureau, today=date(2025, 12, 1))
    services.filing_submit(filing=filing, actor=people["director"], today=date(2025, 12, 1))
    services.filing_review(filing=filing, actor=bureau)
    services.filing_accept(filing=filing, actor=bureau)
    Cycle.objects.filter(pk=cycle.pk).update(state="spot_check")
    cycle.refresh_from_db()
    services.draw_commit(cycle=cycle, actor=bureau)  # entered spot check by an update: no commitment yet
    services.draw_create(cycle=cycle, actor=bureau, must_include=[people["zjj"].pk])
    services.assignment_set(cycle=cycle, center_id=people["zjj"].pk, auditor=people["auditor"], actor=bureau)
    return filing


def test_audit_scores_second_stale_save_is_refused(people, assigned):  # noqa: F811
    indicator = Indicator.objects.filter(cycle=assigned.cycle, method="scored").order_by("sort_order").first()
    url = reverse("evaluations:audit_score", args=[assigned.pk])
    a, b = session(people["auditor"]), session(people["auditor"])  # two tabs, or two browsers
    name = f"version_{indicator.pk}"
    va, vb = read_version(a.get(url), name), read_version(b.get(url), name)
    assert a.post(url, {f"score_{indicator.pk}": "1", name: va}).status_code == 302
    assert refused(b.post(url, {f"score_{indicator.pk}": "0.5", name: vb}))
    row = AuditScore.objects.get(filing=assigned, indicator=indicator)
    assert row.score == Decimal("1") and row.version == 1


def test_api_stale_figures_and_scores_are_409(people, filing):  # noqa: F811
    client = api(people["director"])
    url = f"/api/v1/filings/{filing.pk}/"
    note = {"figure_notes": {"trainings_held": "按纸质签到表填报"}}  # a typed figure needs its note
    assert client.patch(url, {"trainings_held": 3, "version": 1, **note}, format="json").status_code == 200
    stale = client.patch(url, {"trainings_held": 8, "version": 1, **note}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    indicator = filing.cycle.indicators.filter(method="scored").order_by("sort_order").first()
    body = {"filing": filing.pk, "indicator": indicator.pk, "score": "1"}
    assert client.post("/api/v1/self-scores/", {**body, "version": 0}, format="json").status_code == 201
    again = client.post("/api/v1/self-scores/", {**body, "score": "0.5", "version": 0}, format="json")
    assert again.status_code == 409 and STALE in again.json()["error"]["message"]
    filing.refresh_from_db()
    assert filing.trainings_held == 3
    assert SelfScore.objects.get(filing=filing, indicator=indicator).score == Decimal("1")


def test_cycle_settings_second_stale_save_is_refused(people):  # noqa: F811
    cycle = services.cycle_create(year=2027, actor=people["bureau"])  # a draft: its settings are editable
    url = reverse("evaluations:cycle_edit", args=[cycle.pk])
    a, b = session(people["bureau"]), session(people["bureau"])
    page = a.get(url)
    va, vb = read_version(page), read_version(b.get(url))
    data = {
        "title": cycle.title,
        "levels": cycle.levels,
        "filing_deadline": cycle.filing_deadline.isoformat(),
        "review_deadline": cycle.review_deadline.isoformat(),
        "acceptance_deadline": cycle.acceptance_deadline.isoformat(),
        "spot_check_deadline": cycle.spot_check_deadline.isoformat(),
        "sample_numerator": 1,
        "sample_denominator": 3,
        "combination_rule": cycle.combination_rule,
        "self_weight": "0.30",
        "gap_tolerance": "10",
        "performance_weight": "10",
        "grade_bands": "优秀=90\n良好=80\n合格=60\n不合格=0",
        "reminder_days": "7,3,1",
    }
    assert a.post(url, {**data, "sample_denominator": 4, "version": va}).status_code == 302
    assert refused(b.post(url, {**data, "sample_denominator": 5, "version": vb}))
    cycle.refresh_from_db()
    assert cycle.sample_denominator == 4 and cycle.version == 2


def test_outsider_cannot_probe_versions_of_another_centers_record(registry):
    other = f.center_for("金泽镇")
    board = BoardMember.objects.create(center=other, name="赵六", role="chair", term_start=date(2022, 1, 1))
    url = reverse("centers:record_edit", args=[other.pk, "board-member", board.pk])
    assert session(registry["director"]).post(url, {"name": "x", "version": 1}).status_code == 404
    response = api(registry["director"]).patch(
        f"/api/v1/board-members/{board.pk}/", {"name": "x", "version": 1}
    )
    assert response.status_code == 404
    board.refresh_from_db()
    assert board.name == "赵六" and board.version == 1
    assert ServiceCenter.objects.get(pk=other.pk).version == 1
    assert SocialOrganization.objects.count() == 1


def test_reassigning_an_auditor_from_a_stale_page_is_refused(people, assigned):  # noqa: F811
    """Changing the auditor discards the scores entered so far: a page opened before a colleague's
    change must not undo it."""
    from evaluations.models import Assignment

    url = reverse("evaluations:cycle_assignments", args=[assigned.cycle_id])
    a, b = session(people["bureau"]), session(people["bureau"])
    row = {"center": people["zjj"].pk}

    def version_of_zjj_row(page) -> str:
        pattern = (
            rf'name="center" value="{people["zjj"].pk}">\s*<input type="hidden" name="version" value="(\d+)"'
        )
        return re.search(pattern, page.content.decode()).group(1)

    va, vb = version_of_zjj_row(a.get(url)), version_of_zjj_row(b.get(url))
    assert va == vb == "1"
    first = a.post(url, {**row, "auditor": people["other_auditor"].pk, "version": va}, follow=True)
    assert "已分配评估人员" in first.content.decode()
    response = b.post(url, {**row, "auditor": people["auditor"].pk, "version": vb}, follow=True)
    assert STALE in response.content.decode()
    assignment = Assignment.objects.get(filing=assigned)
    assert assignment.auditor == people["other_auditor"] and assignment.version == 2

"""The compliance table (issue 16 §3): after every kind of change of a rule's input it equals a live
evaluation once its refresh job has run; meanwhile readers judge the changed center live; the
overview and the center list read it in a pinned number of queries and say when it was computed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from centers.choices import GovernanceRuleKind, IncomeSource, MeetingBody, PlanKind
from centers.compliance_table import (
    KIND,
    compliance_for,
    compliance_refresh,
    digest_of,
    digests_for,
    refresh_work,
)
from centers.models import (
    AnnualPlan,
    ArchiveInventory,
    BankAccount,
    BoardMember,
    CenterCompliance,
    GovernanceRule,
    HandOver,
    IncomeLine,
    Meeting,
    SealCustodian,
    ServiceCenter,
    Venue,
)
from centers.rules import evaluate_center
from core.jobs import run_job
from core.models import Job, PolicyParameter
from core.testing import make_user

from . import factories as f

YEAR = timezone.localdate().year
DAY = date(YEAR, 1, 2)


def live(center) -> list[dict]:
    center = ServiceCenter.objects.get(pk=center.pk)
    return json.loads(json.dumps([r.as_dict() for r in evaluate_center(center, YEAR)], cls=DjangoJSONEncoder))


def stored(center) -> list[dict]:
    row = CenterCompliance.objects.get(center=center, year=YEAR)
    # the row's digest (every rule's status, the staffing figures) is always its results'
    assert (row.statuses, row.staff_figures) == digest_of(row.results)
    return row.results


def commit() -> int:
    """What a commit does with the compliance hooks of the (test's, never committed) transaction:
    calls them and takes them off the connection; returns how many there were."""
    from django.db import connection

    from centers.compliance_table import _PendingRefresh

    hooks = [func for _sids, func, _robust in connection.run_on_commit if isinstance(func, _PendingRefresh)]
    connection.run_on_commit = [e for e in connection.run_on_commit if not isinstance(e[1], _PendingRefresh)]
    for hook in hooks:
        hook()
    return len(hooks)


def start_clean():
    """Setup done: its hooks committed, its refresh jobs gone, the table judged."""
    commit()
    Job.objects.filter(kind=KIND).delete()
    compliance_refresh()


def by_rule(results) -> dict:
    return {r["rule"]: r for r in results}


# ---- one change of each kind of input; each moves at least the rule named ----------------------------
def center_fields(c):
    c.director_under_board = True
    c.credit_code = "52310118MJ0000001X"
    c.registered_on = date(2015, 3, 1)
    c.save()
    return "R-GOV-1"


def venue(c):
    Venue.objects.create(
        center=c, year=YEAR, address="某路 1 号", area=Decimal("260"), is_independent=True, has_computers=True
    )
    return "R-VENUE-1"


def venue_deleted(c):
    Venue.objects.filter(center=c).get().delete()
    return "R-VENUE-1"


def funding(c):
    IncomeLine.objects.create(
        center=c, year=YEAR, source=IncomeSource.GOVERNMENT_FUNDING, amount=Decimal("300000")
    )
    return "R-FUND-1"


def bank_account(c):
    BankAccount.objects.create(
        center=c, bank_name="农商银行", account_number="3199001", is_independent=True, npo_accounting=True
    )
    return "R-FUND-3"


def board(c):
    BoardMember.objects.create(center=c, name="王理事", role="chair", term_start=date(2015, 3, 1))
    return "R-GOV-2"


def governance_rule(c):
    GovernanceRule.objects.create(
        center=c, kind=GovernanceRuleKind.ARCHIVES, title="档案管理制度", adopted_on=date(2016, 1, 1)
    )
    return "R-ARCH-1"


def meeting(c):
    Meeting.objects.create(center=c, body=MeetingBody.BOARD, held_on=DAY)
    return "R-GOV-2"


def seal(c):
    SealCustodian.objects.create(center=c, name="张保管", since=date(2016, 1, 1))
    return "R-ARCH-2"


def hand_over(c):
    SealCustodian.objects.create(center=c, name="张保管", since=date(2016, 1, 1))
    start_clean()  # the seal is the start; the hand-over is the change
    HandOver.objects.create(center=c, handed_on=DAY, from_person="甲", to_person="乙", items="档案")
    return "R-ARCH-2"


def archives(c):
    ArchiveInventory.objects.create(center=c, year=YEAR, volumes=40, is_complete=True)
    return "R-ARCH-2"


def plan(c):
    AnnualPlan.objects.create(center=c, year=YEAR, kind=PlanKind.WORK_PLAN, title="工作规划")
    return "R-EFF-1"


def rating(c):
    f.rating(c, grade=4, rated_on=date(YEAR - 1, 5, 1))
    return "R-EFF-2"


def staff(c):
    from staffing.tests.factories import member

    member(c)
    return "R-STAFF-2"


def organization(c):
    f.organizations(1, street_town_obj=c.street_town)  # bulk: no signal …
    from centers.compliance_table import ALL, compliance_changed

    compliance_changed(ALL)  # … so the writer says so, as the import does
    return "R-STAFF-2"


def organization_saved(c):
    org = f.organizations(1, street_town_obj=c.street_town)[0]
    org.refresh_from_db()
    org.name = "改名后的社会组织"
    org.registered_on = date(YEAR - 1, 1, 1)
    org.save()
    return "R-STAFF-2"


def policy(c):
    Venue.objects.create(center=c, year=YEAR, address="某路 1 号", area=Decimal("150"), is_independent=True)
    start_clean()
    parameter = PolicyParameter.objects.get(key="venue_min_area")
    parameter.value = Decimal("100")
    parameter.save()
    return "R-VENUE-1"


CHANGES = [
    center_fields,
    venue,
    funding,
    bank_account,
    board,
    governance_rule,
    meeting,
    seal,
    hand_over,
    archives,
    plan,
    rating,
    staff,
    organization,
    organization_saved,
    policy,
]


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_the_table_equals_a_live_evaluation_after_each_kind_of_change(change):
    center = f.center_for("朱家角镇")
    f.district_center()
    start_clean()
    assert stored(center) == live(center)
    before = by_rule(stored(center))

    rule = change(center)
    now = live(center)
    assert by_rule(now)[rule] != before[rule], "the change must move a verdict, else it proves nothing"
    # Until the job has run the row is stale, and the readers judge this center live.
    assert CenterCompliance.objects.get(center=center, year=YEAR).stale
    verdicts = compliance_for([ServiceCenter.objects.get(pk=center.pk)], YEAR)[center.pk]
    assert verdicts.computed_at is None and [r.as_dict() for r in verdicts.results] == now
    digest = digests_for([ServiceCenter.objects.get(pk=center.pk)], YEAR)[center.pk]
    assert digest.computed_at is None and (digest.statuses, digest.staff_figures) == digest_of(now)

    assert commit() == 1  # after commit: one refresh job for the whole transaction
    job = Job.objects.get(kind=KIND)
    assert job.params["centers"] == "all" or center.pk in job.params["centers"]
    run_job(str(job.pk), refresh_work)
    row = CenterCompliance.objects.get(center=center, year=YEAR)
    assert not row.stale and row.results == now
    assert (row.statuses, row.staff_figures) == digest_of(now)
    assert row.statuses[rule] == by_rule(now)[rule]["status"]
    assert CenterCompliance.objects.filter(stale=True).count() == 0


@pytest.mark.django_db
def test_a_deleted_register_row_is_a_change_too():
    center = f.center_for("朱家角镇")
    venue(center)
    start_clean()
    venue_deleted(center)
    assert CenterCompliance.objects.get(center=center, year=YEAR).stale
    assert commit() == 1
    run_job(str(Job.objects.get(kind=KIND).pk), refresh_work)
    assert stored(center) == live(center)
    assert by_rule(stored(center))["R-VENUE-1"]["status"] == "no_data"


@pytest.mark.django_db
def test_several_changes_of_one_center_and_another_transaction_make_one_job():
    center, other = f.center_for("朱家角镇"), f.center_for("金泽镇")
    start_clean()
    venue(center)
    board(center)
    plan(center)
    assert commit() == 1  # one after-commit hook for the transaction
    board(other)
    assert commit() == 1
    job = Job.objects.get(kind=KIND)  # the job not yet started took the second center in
    assert job.params["centers"] == sorted([center.pk, other.pk])


@pytest.mark.django_db
def test_the_nightly_task_refreshes_every_center():
    from centers.tasks import compliance_nightly_task

    centers = [f.center_for("朱家角镇"), f.center_for("金泽镇"), f.district_center()]
    commit()
    Job.objects.filter(kind=KIND).delete()
    compliance_nightly_task()
    job = Job.objects.get(kind=KIND)
    assert job.params["centers"] == "all"
    run_job(str(job.pk), refresh_work)
    for center in centers:
        assert stored(center) == live(center)


# ---- readers: one query, and the time of computing shown --------------------------------------------
@pytest.fixture
def eleven_centers(db):
    names = ["朱家角镇", "金泽镇", "练塘镇", "赵巷镇", "徐泾镇", "华新镇", "重固镇", "白鹤镇"]
    centers = [f.center_for(n) for n in names] + [f.district_center(), f.industry_center("教育")]
    for c in centers:
        f.full_registers(c, YEAR)
    start_clean()
    return centers


@pytest.mark.parametrize("url_name", ["centers:overview", "centers:center_list"])
def test_overview_and_center_list_read_the_table_in_a_pinned_number_of_queries(
    eleven_centers, client, django_assert_num_queries, url_name
):
    client.force_login(make_user("cmp_bureau", Role.BUREAU))
    url = reverse(url_name) + f"?year={YEAR}"
    client.get(url)  # warm the per-process caches (district, content types)
    with django_assert_num_queries(BASELINE[url_name]) as queries:
        response = client.get(url)
    assert response.status_code == 200
    compliance = [q["sql"] for q in queries.captured_queries if "centercompliance" in q["sql"]]
    # the page's rows, and (the overview only) the dashboard's district-wide count by rule — both from the
    # stored table, never judged live
    assert len(compliance) == (2 if url_name == "centers:overview" else 1), compliance
    text = response.content.decode()
    computed = timezone.localtime(CenterCompliance.objects.order_by("computed_at").first().computed_at)
    assert f"达标情况计算于 {computed:%Y-%m-%d %H:%M}" in text
    for c in eleven_centers:
        assert f'data-center="{c.pk}"' in text


# Exact baselines (session, user, perms …, the centers page, its count, one compliance query; the
# overview adds its dashboard: the district-wide compliance count and the cycles).
BASELINE = {"centers:overview": 13, "centers:center_list": 10}


def test_a_changed_center_is_judged_live_and_the_page_says_so(eleven_centers, client):
    client.force_login(make_user("cmp_bureau", Role.BUREAU))
    Venue.objects.filter(center=eleven_centers[0]).update(area=Decimal("10"))  # a bulk write …
    Venue.objects.get(center=eleven_centers[0]).save()  # … and a save: the signal marks it stale
    text = client.get(reverse("centers:overview") + f"?year={YEAR}").content.decode()
    assert "其中 1 个中心的数据刚有变动，按当前数据实时判断" in text


def test_a_reader_may_take_only_some_rules_with_every_status_still_counted(eleven_centers):
    Venue.objects.get(center=eleven_centers[0]).save()  # this one judged live, the others stored
    rules = ("R-STAFF-2", "R-VENUE-1", "R-PAY-3")
    whole = compliance_for(eleven_centers, YEAR)
    some = compliance_for(eleven_centers, YEAR, rules=rules)
    assert some[eleven_centers[0].pk].computed_at is None
    for c in eleven_centers:
        assert some[c.pk].results == [r for r in whole[c.pk].results if r.rule in rules]
        assert some[c.pk].counts == whole[c.pk].counts  # of every rule, not only those taken
        assert some[c.pk].computed_at == whole[c.pk].computed_at
    assert {r.rule for v in some.values() for r in v.results} == set(rules)


def test_the_compliance_api_and_the_director_home_read_the_table(eleven_centers, client):
    center = eleven_centers[0]
    director = make_user("cmp_director", Role.DIRECTOR, center=center)
    client.force_login(director)
    answer = client.get(f"/api/v1/centers/{center.pk}/compliance/?year={YEAR}").json()
    row = CenterCompliance.objects.get(center=center, year=YEAR)
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in answer] == row.results
    assert {r["computed_at"] for r in answer} == {timezone.localtime(row.computed_at).isoformat()}
    home = client.get("/").content.decode()
    assert f"达标情况计算于 {timezone.localtime(row.computed_at):%Y-%m-%d %H:%M}" in home


# ---- the refresh on the real worker -----------------------------------------------------------------
@pytest.mark.worker
def test_a_change_committed_is_refreshed_by_the_worker(worker, job_waiter):
    center = f.center_for("朱家角镇")
    compliance_refresh()
    venue(center)  # committed at once (autocommit): its refresh job is queued after that commit
    for job in Job.objects.filter(kind=KIND):  # the center's creation's and the venue's (or one)
        job = job_waiter(job, timeout=60)
    assert job.status == "succeeded", job.log
    row = CenterCompliance.objects.get(center=center, year=YEAR)
    assert not row.stale and row.results == live(center)
    assert by_rule(row.results)["R-VENUE-1"]["status"] == "met"

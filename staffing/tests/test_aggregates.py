"""Issue 16: staffing figures from grouped counts and sums (not one object per person), the same as
judging every person's row; the home page's panel and the district table never build whole rosters."""

from datetime import date

import pytest
from django.db.models.signals import post_init
from django.urls import reverse

from centers.models import ServiceCenter
from staffing.models import StaffMember
from staffing.selectors import (
    _figures_for,
    _stored_staffing,
    _stored_staffing_pg,
    district_centers,
    district_staffing_panel,
    district_staffing_rows,
    employed_on_q,
    minimum_wage_for,
    staffing_figures,
)

pytestmark = pytest.mark.django_db


def _object_based(centers, on):
    """What staffing_figures computed before: every employed person's row loaded and judged."""
    wage = minimum_wage_for(on)
    with_roster = set(StaffMember.objects.values_list("center_id", flat=True))
    members = {}
    for m in StaffMember.objects.filter(employed_on_q(on)).order_by("start_date", "pk"):
        members.setdefault(m.center_id, []).append(m)
    return {c.pk: _figures_for(c, members.get(c.pk, []), on, wage) for c in centers if c.pk in with_roster}


def _plain(found):
    stored, short, unjudged = found
    short = [(r["center"].pk, r["center"].street_town, r["required"], r["full_time"]) for r in short]
    return stored, short, [(c.pk, c.street_town) for c in unjudged]


class _Built:
    def __init__(self):
        self.count = 0

    def __call__(self, sender, **kwargs):
        self.count += 1

    def __enter__(self):
        post_init.connect(self, sender=StaffMember)
        return self

    def __exit__(self, *exc):
        post_init.disconnect(self, sender=StaffMember)


@pytest.mark.parametrize("on", [date(2026, 6, 30), date(2025, 12, 31)])
def test_the_figures_and_findings_equal_judging_every_row_on_the_demo_data(demo, on):
    centers = list(ServiceCenter.objects.select_related("street_town"))
    expected = _object_based(centers, on)
    with _Built() as built:
        actual = staffing_figures(centers, on)
    assert actual == expected
    assert any(f.status == "not_met" for figures in actual.values() for f in figures.findings)
    assert built.count < StaffMember.objects.filter(employed_on_q(on)).count() / 2


def test_the_home_panel_and_the_district_table_read_aggregates(demo, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User

    on = timezone.localdate()  # the stored verdicts of this year are judged on today
    rows = district_staffing_rows(User.objects.get(username="bureau"), on)
    with CaptureQueriesContext(connection) as ctx:
        panel = district_staffing_panel(User.objects.get(username="bureau"), on.year)
    # the stored compliance verdicts (centers.compliance_table), not the rosters nor the organisations
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "centers_centercompliance" in read
    assert "staffing_staffmember" not in read and "centers_socialorganization" not in read
    assert panel["total"] == len(rows)
    assert panel["short_count"] == sum(r["short"] for r in rows) == 2
    assert panel["no_roster"] == sum(r["figures"] is None for r in rows)
    assert panel["pay"] == sum(any(f.status == "not_met" for f in r["pay_findings"]) for r in rows) >= 1
    client.force_login(User.objects.get(username="bureau"))
    employed = StaffMember.objects.filter(employed_on_q(date.today())).count()
    with _Built() as built:
        html = client.get(reverse("core:home")).content.decode()
    assert f"专职人员不足 {panel['short_count']} 个" in html
    assert built.count < employed / 2
    with _Built() as built:
        response = client.get(reverse("staffing:district_table"))
    assert response.status_code == 200 and built.count < employed / 2


# session, user, roles, every app's panel (staffing: 2, the centers and their stored verdicts), the
# working aids, and the bureau's charts (5: the cycles, the stored verdicts, filings by state, results by
# grade, the years; reports.dashboards)
# (24 while the staffing panel read the rosters, 27 while the session was saved on every request;
# 20 while the staffing panel's counts, first short centers and centers to judge live were three ORM
# queries: one statement now, then the short centers themselves)
HOME_PAGE_QUERIES = 19


def test_the_bureaus_home_page_query_count_is_exact_and_flat_when_staff_grow(demo, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from staffing.choices import StaffKind

    client.force_login(User.objects.get(username="bureau"))
    url = reverse("core:home")
    counts = []
    for _ in range(2):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
        center = ServiceCenter.objects.order_by("pk").first()
        StaffMember.objects.bulk_create(
            StaffMember(center=center, name=f"新增{i}", kind=StaffKind.VOLUNTEER, start_date=date(2020, 1, 1))
            for i in range(100)
        )
    assert counts == [HOME_PAGE_QUERIES, HOME_PAGE_QUERIES]


def test_the_district_tables_n_is_the_stored_one_for_today_and_counted_otherwise(demo, client):
    """Today: N from the stored R-STAFF verdicts (no organisation is counted), equal to a count;
    after an organisation changes (its center's row waits for the refresh) or for another day, the
    organisations are counted, and the page says which."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from centers.choices import OrganizationKind
    from centers.codes import make_credit_code
    from centers.compliance_table import compliance_refresh
    from centers.models import CenterCompliance, SocialOrganization
    from centers.rules import organization_counts
    from staffing.selectors import district_centers, organization_counts_on

    bureau = User.objects.get(username="bureau")
    today = timezone.localdate()
    compliance_refresh()
    centers = list(district_centers(bureau))
    counted = organization_counts(centers, today)
    with CaptureQueriesContext(connection) as ctx:
        stored, note = organization_counts_on(centers, today)
    assert stored == counted and any(stored.values())
    assert "centers_socialorganization" not in " ".join(q["sql"] for q in ctx.captured_queries)
    assert note.startswith("社会组织数统计于 ") and "实时" not in note

    client.force_login(bureau)
    html = client.get(reverse("staffing:district_table")).content.decode()
    assert 'data-testid="counted-at">社会组织数统计于' in html

    # One center's row waits for its refresh: that center is counted, the others read.
    center = next(c for c in centers if c.street_town_id)
    CenterCompliance.objects.filter(center=center, year=today.year).update(stale=True)
    stored, note = organization_counts_on(centers, today)
    assert stored == counted
    assert note.endswith("；其中 1 个中心的数据刚有变动，按当前数据实时统计。")

    # An organisation registered in that street marks the rows it touches: N counts it at once.
    SocialOrganization.objects.create(
        district=center.district,
        name="新登记的社会组织",
        credit_code=make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 987_654),
        kind=OrganizationKind.PRIVATE_NON_ENTERPRISE,
        registered_on=date(2020, 1, 1),
        street_town=center.street_town,
    )
    stored, note = organization_counts_on(centers, today)
    assert stored == organization_counts(centers, today)
    assert stored[center.pk] == counted[center.pk] + 1
    assert "实时统计" in note

    other_day = date(today.year - 1, 6, 30)
    assert organization_counts_on(centers, other_day) == (organization_counts(centers, other_day), "")
    html = client.get(reverse("staffing:district_table") + f"?on={other_day:%Y-%m-%d}").content.decode()
    assert "counted-at" not in html


def test_the_staffing_panel_counts_stored_and_live_centers_alike(demo):
    """The panel counted in the database from the stored digests equals the panel judged live, with
    every row stored, with one row waiting for its refresh, and with none stored."""
    from django.utils import timezone

    from accounts.models import User
    from centers.compliance_table import compliance_refresh
    from centers.models import CenterCompliance

    bureau = User.objects.get(username="bureau")
    year = timezone.localdate().year

    def panel():
        user = User.objects.get(pk=bureau.pk)
        found = district_staffing_panel(user, year, listed=50)
        found["short"] = [(r["center"].pk, r["required"], r["full_time"]) for r in found["short"]]
        # PostgreSQL's one statement reads what the ORM's three queries read (for 50 and for 1 listed)
        for listed in (50, 1):
            by_sql = _stored_staffing_pg(district_centers(user), year, listed)
            by_orm = _stored_staffing(district_centers(user), year, listed)
            assert _plain(by_sql) == _plain(by_orm), listed
        return {k: v for k, v in found.items() if k != "computed_note"}, found["computed_note"]

    CenterCompliance.objects.all().delete()
    live, live_note = panel()
    assert live["short_count"] == 2 and live["pay"] >= 1 and live_note == "达标情况按当前数据实时判断。"
    compliance_refresh()
    stored, note = panel()
    assert stored == live and note.startswith("达标情况计算于 ")
    CenterCompliance.objects.filter(center_id=live["short"][0][0], year=year).update(stale=True)
    mixed, note = panel()
    assert mixed == live and note.endswith("其中 1 个中心的数据刚有变动，按当前数据实时判断。")


def test_a_user_who_may_read_staff_but_no_center_sees_an_empty_panel_not_an_error(demo, client):
    """An auditor granted the staff register alone (in the admin) reads the staffing panel of no center:
    zeros on the home page, as the ORM's queries answered, not a server error."""
    from django.contrib.auth.models import Permission

    from accounts.roles import Role
    from core.testing import make_user

    auditor = make_user("t_staff_reader", Role.AUDITOR)
    auditor.user_permissions.add(Permission.objects.get(codename="view_staffmember"))
    assert not district_centers(auditor).exists()
    for read in (_stored_staffing_pg, _stored_staffing):
        stored, short, unjudged = read(district_centers(auditor), date.today().year, 5)
        assert (stored["n"], stored["short"], stored["no_roster"], stored["pay"], short, unjudged) == (
            0, 0, 0, 0, [], [],
        )  # fmt: skip
    client.force_login(auditor)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert "人员配备" in response.content.decode()

"""Issue 15 §4: the bureau's home page and the district overview show four charts drawn server-side
by reports.charts, each with its figures as a table for screen readers; what the bars show is what the
rows created here say."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.models import CenterCompliance
from evaluations.choices import FilingState
from evaluations.models import Filing, Result

from .chartcheck import bars, overlapping_labels, svgs, texts, tick_values

pytestmark = pytest.mark.django_db


def _verdicts(center, year, statuses: dict[str, str], *, stale=False):
    return CenterCompliance.objects.create(
        center=center,
        year=year,
        results=[{"rule": r, "status": s, "detail": "", "figures": {}} for r, s in statuses.items()],
        statuses=statuses,  # written with the results (centers.compliance_table.digest_of)
        met=sum(1 for s in statuses.values() if s == "met"),
        not_met=sum(1 for s in statuses.values() if s == "not_met"),
        no_data=sum(1 for s in statuses.values() if s == "no_data"),
        computed_at=timezone.now(),
        stale=stale,
    )


@pytest.fixture
def stored(centers):
    """This year's stored verdicts of three centers: R-VENUE-1 met by two, R-FUND-2 met by none."""
    year = timezone.localdate().year
    CenterCompliance.objects.all().delete()
    _verdicts(centers["朱家角镇"], year, {"R-VENUE-1": "met", "R-FUND-2": "not_met"})
    _verdicts(centers["金泽镇"], year, {"R-VENUE-1": "met", "R-FUND-2": "no_data"})
    _verdicts(centers["练塘镇"], year, {"R-VENUE-1": "not_met", "R-FUND-2": "not_met"}, stale=True)
    return year


def _bar(svg, label, series=None):
    found = [b for b in bars(svg) if b["data-label"] == label and b.get("data-series") == series]
    assert len(found) == 1, (label, series, bars(svg))
    return found[0]["data-value"]


def test_the_bureaus_home_charts_compliance_by_rule_from_the_stored_rows(client, people, stored, published):
    client.force_login(people["bureau"])
    html = client.get(reverse("core:home")).content.decode()
    chart = svgs(html)["compliance"]
    venue, fund = _title("R-VENUE-1"), _title("R-FUND-2")
    assert [_bar(chart, venue, s) for s in ("达标", "未达标", "无数据", "不适用")] == ["2", "1", "0", "0"]
    assert [_bar(chart, fund, s) for s in ("达标", "未达标", "无数据", "不适用")] == ["0", "2", "1", "0"]
    assert "达标 2/3" in chart and "达标 0/3" in chart
    # the table for screen readers says the same, with the rule's name first and its ID as a tag
    assert (
        f'<th scope="row">{venue} <small class="rule-id">R-VENUE-1</small></th><td>2</td><td>1</td>' in html
    )
    assert "其中 1 个中心的数据刚有变动，等待重新计算" in html
    assert "3 个服务中心" in html


def _title(rule):
    from centers.rules import rule_title

    return rule_title(rule)


def test_the_home_charts_filing_progress_grades_and_the_years(client, people, stored, published):
    filings = list(Filing.objects.filter(cycle=published).order_by("pk"))
    Filing.objects.filter(pk__in=[f.pk for f in filings[:2]]).update(state=FilingState.RETURNED)
    by_state = Counter(Filing.objects.filter(cycle=published).values_list("state", flat=True))
    client.force_login(people["bureau"])
    html = client.get(reverse("core:home")).content.decode()
    found = svgs(html)
    for value, label in FilingState.choices:
        assert _bar(found["filings"], str(label)) == str(by_state.get(value, 0)), label
    assert f"{published.year} 年度填报进度（共 {len(filings)} 份）" in html
    grades = Counter(Result.objects.filter(result_set__cycle=published).values_list("grade", flat=True))
    for band in published.grade_bands:
        assert _bar(found["grades"], band["grade"]) == f"{grades.get(band['grade'], 0)} 家"
    average = sum(r.final_score for r in Result.objects.filter(result_set__cycle=published)) / len(filings)
    assert _bar(found["history"], f"{published.year} 年度") == f"{average:.2f}"
    assert f'<th scope="row">{published.year} 年度</th><td>{len(filings)}</td><td>{average:.2f}</td>' in html


def test_every_chart_has_whole_number_ticks_no_overlapping_labels_and_a_table(
    client, people, stored, published
):
    client.force_login(people["bureau"])
    for url in (reverse("core:home"), reverse("centers:overview") + f"?year={stored}"):
        html = client.get(url).content.decode()
        found = svgs(html)
        assert set(found) == {"compliance", "filings", "grades", "history"}, url
        for name, chart in found.items():
            assert not overlapping_labels(chart), (url, name, overlapping_labels(chart))
            ticks = tick_values(chart)
            assert ticks and all("." not in t for t in ticks), (name, ticks)
            steps = {int(b) - int(a) for a, b in zip(ticks, ticks[1:], strict=False)}
            assert len(steps) == 1, (name, ticks)
            assert all(t["text"] for t in texts(chart))
        assert html.count('class="chart-box" aria-hidden="true"') == 4
        assert html.count('<table class="sr-only">') >= 4


def test_long_rule_names_are_shortened_never_drawn_over_each_other():
    from reports.charts import count_bars, stacked_bars

    svg = stacked_bars(
        [("街镇服务中心全覆盖与专职人员按辖区社会组织数配备", [3, 1, 0, 0]), ("短", [0, 4, 0, 0])],
        [("达标", "#000"), ("未达标", "#111"), ("无数据", "#222"), ("不适用", "#333")],
    )
    assert not overlapping_labels(svg)
    assert "…" in svg
    assert not overlapping_labels(count_bars([("已提交，待初审", 12), ("填报中", 0)], unit=" 份"))


def test_the_overview_shows_the_charts_only_to_the_bureau(client, people, stored, published):
    client.force_login(people["director"])
    assert client.get(reverse("centers:overview")).status_code == 404
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="dashboard"' not in html


def test_the_home_pages_query_count_is_flat_as_centers_results_and_verdicts_grow(
    client, people, stored, published, centers
):
    client.force_login(people["bureau"])
    url = reverse("core:home")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for center in centers.values():
        if not CenterCompliance.objects.filter(center=center, year=stored).exists():
            _verdicts(center, stored, {"R-VENUE-1": "met", "R-FUND-2": "met", "R-GOV-2": "no_data"})
    Result.objects.filter(result_set__cycle=published).update(final_score=Decimal("88.00"))
    assert count() == before

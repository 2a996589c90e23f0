"""Issue 16: lists of filings never load (or decode) the frozen snapshot; the detail still has it.
Exact query counts, the same when every snapshot grows tenfold."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import Filing

from .test_pages import client_for, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

SNAPSHOT_COLUMN = '"evaluations_filing"."snapshot"'
# url → exact queries for the bureau (session, user, roles, access checks, the list's own queries)
# (The review list is checked for the snapshot only: its count varied by one between runs.)
# board: + the page's count and the late filings' count (the board reads one page, not every filing);
# results: +1, last year's; + the page's count, the grades, the findings, whether last year has results.
PINNED = {"board": 9, "results": 13, "api_list": 6, "api_list_500": 6}


def _urls(world):  # noqa: F811
    return {
        "board": reverse("evaluations:cycle_board", args=[world["c2026"].pk]),
        "results": reverse("evaluations:cycle_results", args=[world["c2025"].pk]),
        "reviews": reverse("evaluations:review_list"),
        "api_list": "/api/v1/filings/",
        "api_list_500": "/api/v1/filings/?page_size=500",
    }


def _run(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def _inflate_snapshots(factor: int):
    for filing in Filing.objects.exclude(snapshot={}):
        filing.snapshot = {**filing.snapshot, "padding": ["台账" * 500] * factor}
        filing.save(update_fields=["snapshot"])


def test_lists_of_filings_never_read_the_snapshot_and_stay_flat_when_it_grows(world):  # noqa: F811
    assert Filing.objects.exclude(snapshot={}).exists()
    client = client_for(world["bureau"])
    counts = {}
    for size in (1, 10):
        _inflate_snapshots(size)
        for name, url in _urls(world).items():
            response, queries = _run(client, url)
            assert not [sql for sql in queries if SNAPSHOT_COLUMN in sql], (name, url)
            if name in PINNED:
                counts.setdefault(name, set()).add(len(queries))
    assert counts == {name: {n} for name, n in PINNED.items()}


def test_the_api_list_has_no_snapshot_and_the_detail_has_it(world):  # noqa: F811
    client = client_for(world["bureau"])
    listed = client.get("/api/v1/filings/").json()["results"]
    assert listed and all("snapshot" not in row for row in listed)
    filing = world["zjj25"]
    detail = client.get(f"/api/v1/filings/{filing.pk}/").json()
    assert detail["snapshot"] == Filing.objects.get(pk=filing.pk).snapshot
    assert detail["snapshot"]


@pytest.mark.parametrize("role", ["bureau", "director", "supervisor", "auditor"])
def test_every_row_of_the_api_list_says_what_the_detail_says(world, role):  # noqa: F811
    """The list reads fewer columns and the year with the row (FilingListSerializer.list_queryset);
    each of its rows still equals the detail of the same filing, field by field, moves included."""
    client = client_for(world[role])
    listed = client.get("/api/v1/filings/?page_size=500").json()["results"]
    assert listed
    for row in listed:
        detail = client.get(f"/api/v1/filings/{row['id']}/").json()
        assert row == {key: detail[key] for key in row}, row["id"]
        assert set(detail) - set(row) == {"snapshot", "snapshot_taken_at", "returns"}
    years = {row["year"] for row in listed}
    assert years <= {2025, 2026} and years

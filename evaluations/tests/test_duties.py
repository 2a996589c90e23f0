"""Issue 14 §1, from the attacker's side: duties kept apart in the services, so API, pages and admin agree.

Before: a director created, edited and deleted their own center's rating (R-EFF-2 flipped to met, 5A on
the public page) and changed the center's name and credit code; bureau staff overwrote an assigned
auditor's spot-check scores through ``POST /api/v1/audit-scores/``.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from centers.models import RatingRecord, ServiceCenter
from evaluations.models import AuditScore, Filing

from .conftest import open_cycle, submit_all_the_way, to_spot_check

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# ---- ratings and the center's identity are the bureau's ------------------------------------------
def test_director_cannot_create_a_rating_for_their_own_center_through_the_api(people):
    response = client_for(people["director"]).post(
        "/api/v1/ratings/",
        {"center": people["zjj"].pk, "grade": 5, "rated_on": "2026-01-05"},
        content_type="application/json",
    )
    # 404 from the API's access declaration (ratings are written by the bureau); the service would
    # refuse with 403 too (centers.services._require_bureau_for_rating)
    assert response.status_code in (403, 404)
    assert response.json()["error"]["message"]
    assert not RatingRecord.objects.filter(center=people["zjj"]).exists()


def test_director_cannot_change_or_delete_a_rating_through_the_api_or_the_pages(people):
    rating = RatingRecord.objects.create(
        center=people["zjj"], grade=2, rated_on=date(2025, 3, 1), valid_until=date(2030, 3, 1)
    )
    director = client_for(people["director"])
    assert director.patch(
        f"/api/v1/ratings/{rating.pk}/",
        {"grade": 5, "version": rating.version},
        content_type="application/json",
    ).status_code in (403, 404)
    assert director.delete(f"/api/v1/ratings/{rating.pk}/").status_code in (403, 404, 405)
    edit = reverse("centers:record_edit", args=[people["zjj"].pk, "rating", rating.pk])
    assert director.get(edit).status_code == 404
    assert director.post(edit, {"grade": 5, "rated_on": "2025-03-01"}).status_code == 404
    delete = reverse("centers:record_delete", args=[people["zjj"].pk, "rating", rating.pk])
    assert director.post(delete).status_code == 404
    assert (
        director.get(reverse("centers:record_create", args=[people["zjj"].pk, "rating"])).status_code == 404
    )
    rating.refresh_from_db()
    assert rating.grade == 2
    page = director.get(reverse("centers:center_detail", args=[people["zjj"].pk])).content.decode()
    assert edit not in page


def test_bureau_still_records_a_rating(people):
    response = client_for(people["bureau"]).post(
        "/api/v1/ratings/",
        {"center": people["zjj"].pk, "grade": 4, "rated_on": "2026-01-05"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert RatingRecord.objects.get(center=people["zjj"]).grade == 4


@pytest.mark.parametrize(
    "field, value",
    [("name", "改名后的中心"), ("credit_code", "52310118MJ0000000X"), ("legal_representative", "某某")],
)
def test_director_cannot_change_the_centers_identity(people, field, value):
    center = people["zjj"]
    before = ServiceCenter.objects.filter(pk=center.pk).values(field).get()[field]
    center.refresh_from_db()
    response = client_for(people["director"]).patch(
        f"/api/v1/centers/{center.pk}/",
        {field: value, "version": center.version},
        content_type="application/json",
    )
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert field in error["fields"] and "区民政局" in error["fields"][field][0]
    assert ServiceCenter.objects.filter(pk=center.pk).values(field).get()[field] == before


def test_director_keeps_the_centers_contacts(people):
    center = people["zjj"]
    center.refresh_from_db()
    response = client_for(people["director"]).patch(
        f"/api/v1/centers/{center.pk}/",
        {"phone": "021-59230000", "version": center.version},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    center.refresh_from_db()
    assert center.phone == "021-59230000"


# ---- spot-check scores are the assigned auditor's ------------------------------------------------
@pytest.fixture
def assigned(people):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    submit_all_the_way(filing, people, today=date(2026, 12, 1))
    to_spot_check(cycle, people)
    from evaluations import services

    services.draw_create(cycle=cycle, actor=people["bureau"], must_include=[people["zjj"].pk])
    services.assignment_set(
        cycle=cycle, center_id=people["zjj"].pk, auditor=people["auditor"], actor=people["bureau"]
    )
    indicator = next(i for i in cycle.indicators.order_by("sort_order") if not i.is_computed)
    return filing, indicator


def test_bureau_cannot_enter_or_overwrite_an_assigned_auditors_scores(people, assigned):
    filing, indicator = assigned
    auditor = client_for(people["auditor"])
    ok = auditor.post(
        "/api/v1/audit-scores/",
        {"filing": filing.pk, "indicator": indicator.pk, "score": "1.0", "comment": "现场核实"},
        content_type="application/json",
    )
    assert ok.status_code in (200, 201), ok.content
    bureau = client_for(people["bureau"])
    response = bureau.post(
        "/api/v1/audit-scores/",
        {"filing": filing.pk, "indicator": indicator.pk, "score": str(indicator.max_score)},
        content_type="application/json",
    )
    assert response.status_code in (403, 404), response.content
    assert AuditScore.objects.get(filing=filing, indicator=indicator).score == 1
    submit = bureau.post(
        "/api/v1/audit-scores/submit/", {"filing": filing.pk}, content_type="application/json"
    )
    assert submit.status_code in (403, 404)
    page = bureau.post(reverse("evaluations:audit_score", args=[filing.pk]), {f"score_{indicator.pk}": "0"})
    assert page.status_code in (200, 302, 404)
    assert AuditScore.objects.get(filing=filing, indicator=indicator).score == 1


def test_another_auditor_cannot_score_a_filing_not_assigned_to_them(people, assigned):
    filing, indicator = assigned
    response = client_for(people["other_auditor"]).post(
        "/api/v1/audit-scores/",
        {"filing": filing.pk, "indicator": indicator.pk, "score": "0"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not AuditScore.objects.filter(filing=filing).exists()


# ---- issue 14 §7: what the suite must notice -----------------------------------------------------
def test_spot_check_scores_stay_hidden_from_the_center_and_its_unit_until_publication(people, assigned):
    """Removing the published-cycle condition from AuditScore.restrict_queryset must fail here."""
    filing, indicator = assigned
    client_for(people["auditor"]).post(
        "/api/v1/audit-scores/",
        {"filing": filing.pk, "indicator": indicator.pk, "score": "1.0", "comment": "现场核实"},
        content_type="application/json",
    )
    assert AuditScore.objects.filter(filing=filing).count() == 1
    for who in ("director", "supervisor", "other_director", "other_supervisor", "other_auditor"):
        response = client_for(people[who]).get("/api/v1/audit-scores/", {"filing": filing.pk})
        # 404 where the declaration leaves the role out of the list, else an empty list
        assert response.status_code == 404 or response.json()["count"] == 0, who
    assert (
        client_for(people["auditor"]).get("/api/v1/audit-scores/", {"filing": filing.pk}).json()["count"] == 1
    )


def test_every_evidence_download_is_recorded(people, assigned):
    """Deleting the audit entry of an evidence download (page or API) must fail here."""
    from core.models import AuditEntry
    from evaluations.models import Evidence

    filing, _indicator = assigned
    evidence = Evidence.objects.filter(filing=filing).first()
    assert evidence is not None
    director = client_for(people["director"])
    page = director.get(reverse("evaluations:evidence_download", args=[evidence.pk]))
    assert page.status_code == 200
    api = director.get(f"/api/v1/evidence/{evidence.pk}/download/")
    assert api.status_code == 200
    entries = AuditEntry.objects.filter(action="evaluations.evidence.downloaded", actor=people["director"])
    assert entries.count() == 2
    assert all(e.data["evidence"] == evidence.pk for e in entries)


def test_the_results_export_never_carries_a_live_formula(people, centers):
    """A center named =HYPERLINK(...) reached the results workbook as a live formula."""
    from io import BytesIO

    from openpyxl import load_workbook

    from core.jobs import run_job
    from evaluations import services

    from .conftest import through_scoring

    ServiceCenter.objects.filter(pk=people["zjj"].pk).update(name='=HYPERLINK("http://evil.example","点")')
    cycle, _draw = through_scoring(people, centers, year=2025)
    job = services.results_request(cycle=cycle, actor=people["bureau"])
    run_job(str(job.pk), services.results_work)
    response = client_for(people["bureau"]).get(reverse("evaluations:results_export", args=[cycle.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    names = [sheet.cell(row=r, column=2) for r in range(2, sheet.max_row + 1)]
    hostile = [c for c in names if "HYPERLINK" in str(c.value)]
    assert hostile and all(c.data_type == "s" and c.value.startswith("'=") for c in hostile)

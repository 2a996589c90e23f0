"""The API: the same per-object permissions as the pages (a miss is a 404) and the same refusals."""

import pytest
from rest_framework.test import APIClient

from core.jobs import run_job
from evaluations import services
from evaluations.models import Evidence, Filing, SelfScore

from .conftest import PNG, open_cycle, through_scoring, upload

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(people, centers):
    c2025, _ = through_scoring(people, centers, year=2025)
    job = services.results_request(cycle=c2025, actor=people["bureau"])
    run_job(str(job.pk), services.results_work)
    services.cycle_publish(cycle=c2025, actor=people["bureau"])
    c2026 = open_cycle(2026, people["bureau"])
    return {
        **people,
        "c2025": c2025,
        "zjj25": Filing.objects.get(cycle=c2025, center=people["zjj"]),
        "zjj26": Filing.objects.get(cycle=c2026, center=people["zjj"]),
    }


ROLES = ["bureau", "director", "other_director", "supervisor", "other_supervisor", "auditor", "other_auditor"]


def test_api_permission_matrix(world):
    zjj25, zjj26 = world["zjj25"], world["zjj26"]
    evidence = Evidence.objects.filter(filing=zjj25).first()
    cases = [
        (f"/api/v1/filings/{zjj26.pk}/", {"bureau", "director", "supervisor"}),
        (f"/api/v1/filings/{zjj25.pk}/", {"bureau", "director", "supervisor", "auditor"}),
        (f"/api/v1/evidence/{evidence.pk}/", {"bureau", "director", "supervisor", "auditor"}),
        (f"/api/v1/evidence/{evidence.pk}/download/", {"bureau", "director", "supervisor", "auditor"}),
    ]
    failures = []
    for url, allowed in cases:
        for role in ROLES:
            code = api(world[role]).get(url).status_code
            if code != (200 if role in allowed else 404):
                failures.append(f"{role} {url}: {code}")
    assert not failures, failures
    # lists are narrowed, never a query per row leaking others
    ids = {row["id"] for row in api(world["other_director"]).get("/api/v1/filings/").json()["results"]}
    assert zjj25.pk not in ids and zjj26.pk not in ids
    ids = {row["id"] for row in api(world["auditor"]).get("/api/v1/filings/").json()["results"]}
    assert ids == {f.pk for f in Filing.objects.filter(assignment__auditor=world["auditor"])}
    detail = api(world["director"]).get(f"/api/v1/filings/{zjj25.pk}/").json()
    assert detail["snapshot"]["center"]["name"] and detail["self_total"]
    results = (
        api(world["director"]).get(f"/api/v1/evaluation-results/?cycle={world['c2025'].pk}").json()["results"]
    )
    assert [r["center_name"] for r in results] == [world["zjj"].name]
    assert (
        len(
            api(world["bureau"])
            .get(f"/api/v1/evaluation-results/?cycle={world['c2025'].pk}")
            .json()["results"]
        )
        == 11
    )
    sample = api(world["bureau"]).get("/api/v1/samples/").json()["results"][0]
    assert api(world["director"]).get(f"/api/v1/samples/{sample['id']}/verify/").json()["matches"] is True
    scores = api(world["other_auditor"]).get(f"/api/v1/audit-scores/?filing={zjj25.pk}").json()["results"]
    assert scores == []


def test_api_writes_go_through_the_services_with_chinese_errors(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    a2 = cycle.indicators.get(code="A2")
    client = api(people["director"])
    response = client.post(
        "/api/v1/self-scores/", {"filing": filing.pk, "indicator": a2.pk, "score": "7"}, format="json"
    )
    assert response.status_code == 400
    assert "分数应在 0 到 3.0 之间" in str(response.json()["error"]["fields"])
    assert not SelfScore.objects.exists()
    response = client.post(
        "/api/v1/self-scores/", {"filing": filing.pk, "indicator": a2.pk, "score": "2.5"}, format="json"
    )
    assert response.status_code == 201
    response = client.patch(
        f"/api/v1/filings/{filing.pk}/", {"trainings_held": -1, "version": 1}, format="json"
    )
    assert response.status_code == 400 and "不能为负数" in str(response.json())
    response = client.post(f"/api/v1/filings/{filing.pk}/submit/")
    assert response.status_code == 400 and response.json()["error"]["code"] == "incomplete"
    response = client.post(
        "/api/v1/evidence/",
        {"filing": filing.pk, "indicator": a2.pk, "file": upload("x.pdf", PNG)},
        format="multipart",
    )
    assert response.status_code == 400 and "内容与文件名不符" in response.json()["error"]["message"]
    response = client.post(
        "/api/v1/evidence/",
        {"filing": filing.pk, "indicator": a2.pk, "file": upload("x.pdf"), "name": "../../etc/x.pdf"},
        format="multipart",
    )
    assert response.status_code == 400 and "文件名" in response.json()["error"]["message"]
    # another center's director: 404 for reads and writes
    other = api(people["other_director"])
    assert (
        other.post(
            "/api/v1/self-scores/", {"filing": filing.pk, "indicator": a2.pk, "score": "1"}, format="json"
        ).status_code
        == 404
    )
    assert (
        other.patch(f"/api/v1/filings/{filing.pk}/", {"trainees": 1, "version": 1}, format="json").status_code
        == 404
    )
    assert api(people["director"]).post(f"/api/v1/filings/{filing.pk}/accept/").status_code == 404
    assert SelfScore.objects.get().score == 2.5

"""API writes go through the same services: validation in Chinese, one error shape, audit."""

import pytest

from centers.models import RatingRecord, Venue
from core.audit import entries_for


@pytest.mark.django_db
def test_director_creates_a_venue_and_bad_area_gets_the_error_shape(client, world):
    client.force_login(world.users["director"])
    ok = client.post(
        "/api/v1/venues/",
        {
            "center": world.own.pk,
            "year": 2025,
            "address": "朱家角镇某路 2 号",
            "area": "215.5",
            "is_independent": True,
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    venue = Venue.objects.get(center=world.own, year=2025)
    assert str(venue.area) == "215.50"
    assert entries_for(venue).filter(action="centers.venue.created", actor=world.users["director"]).exists()
    bad = client.post(
        "/api/v1/venues/",
        {"center": world.own.pk, "year": 2026, "address": "x", "area": "0"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["status"] == 400 and "应大于 0 且小于 100000 平方米" in error["fields"]["area"][0]
    assert not Venue.objects.filter(year=2026).exists()


@pytest.mark.django_db
def test_duplicate_venue_year_is_a_chinese_400(client, world):
    client.force_login(world.users["director"])
    response = client.post(
        "/api/v1/venues/",
        {"center": world.own.pk, "year": 2024, "address": "x", "area": "300"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "该中心该年度已登记办公场地" in str(response.json()["error"]["fields"])


@pytest.mark.django_db
def test_rating_via_api_gets_valid_until_from_policy(client, world):
    client.force_login(world.users["bureau"])
    response = client.post(
        "/api/v1/ratings/",
        {"center": world.own.pk, "grade": 4, "rated_on": "2023-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["valid_until"] == "2028-03-01"
    assert RatingRecord.objects.get().grade == 4


@pytest.mark.django_db
def test_director_cannot_rate_an_organization(client, world):
    client.force_login(world.users["director"])
    response = client.post(
        "/api/v1/ratings/",
        {"organization": world.own_org.pk, "grade": 5, "rated_on": "2023-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not RatingRecord.objects.exists()


@pytest.mark.django_db
def test_organization_list_api_is_filtered_by_the_shared_filterset(client, world):
    client.force_login(world.users["bureau"])
    response = client.get("/api/v1/social-organizations/", {"street_town": world.other.street_town_id})
    assert response.json()["count"] == 2
    response = client.get("/api/v1/social-organizations/", {"q": world.own_org.credit_code})
    assert [o["id"] for o in response.json()["results"]] == [world.own_org.pk]


@pytest.mark.django_db
def test_center_api_filters_by_level(client, world):
    client.force_login(world.users["bureau"])
    response = client.get("/api/v1/centers/", {"level": "district"})
    assert [c["level"] for c in response.json()["results"]] == ["district"]

"""The permission matrix: each role × each page and API — who gets 200, who gets 404."""

import pytest
from django.urls import reverse

ROLES = ["bureau", "director", "other_director", "supervisor", "auditor", "public"]


def _pages(w):
    own, venue, org = w.own.pk, w.venue.pk, w.own_org.pk
    return {
        # name: (url, roles that get 200; everyone else gets 404)
        "overview": (reverse("centers:overview"), {"bureau"}),
        "center_list": (
            reverse("centers:center_list"),
            {"bureau", "director", "other_director", "supervisor"},
        ),
        "center_detail": (reverse("centers:center_detail", args=[own]), {"bureau", "director", "supervisor"}),
        "center_edit": (reverse("centers:center_edit", args=[own]), {"bureau", "director"}),
        "center_create": (reverse("centers:center_create"), {"bureau"}),
        "record_create": (reverse("centers:record_create", args=[own, "venue"]), {"bureau", "director"}),
        "record_edit": (reverse("centers:record_edit", args=[own, "venue", venue]), {"bureau", "director"}),
        "record_delete": (
            reverse("centers:record_delete", args=[own, "venue", venue]),
            {"bureau", "director"},
        ),
        "document": (
            reverse("centers:document", args=["governancerule", w.rule.pk, "document"]),
            {"bureau", "director", "supervisor"},
        ),
        "organization_list": (
            reverse("centers:organization_list"),
            {"bureau", "director", "other_director", "supervisor"},
        ),
        "organization_export": (
            reverse("centers:organization_export"),
            {"bureau", "director", "other_director", "supervisor"},
        ),
        "organization_template": (
            reverse("centers:organization_template"),
            {"bureau", "director", "other_director", "supervisor"},
        ),
        "organization_import": (reverse("centers:organization_import"), {"bureau"}),
        "organization_create": (reverse("centers:organization_create"), {"bureau"}),
        "organization_edit": (reverse("centers:organization_edit", args=[org]), {"bureau"}),
        # API
        # the list is for the roles its declaration names; the others get 404 (core.access)
        "api_center_list": ("/api/v1/centers/", {"bureau", "director", "other_director", "supervisor"}),
        "api_center": (f"/api/v1/centers/{own}/", {"bureau", "director", "supervisor"}),
        "api_compliance": (
            f"/api/v1/centers/{own}/compliance/?year=2024",
            {"bureau", "director", "supervisor"},
        ),
        "api_venue": (f"/api/v1/venues/{venue}/", {"bureau", "director", "supervisor"}),
        "api_governance_rule": (
            f"/api/v1/governance-rules/{w.rule.pk}/",
            {"bureau", "director", "supervisor"},
        ),
        "api_organization": (f"/api/v1/social-organizations/{org}/", {"bureau", "director", "supervisor"}),
    }


PAGE_NAMES = [
    "overview",
    "center_list",
    "center_detail",
    "center_edit",
    "center_create",
    "record_create",
    "record_edit",
    "record_delete",
    "document",
    "organization_list",
    "organization_export",
    "organization_template",
    "organization_import",
    "organization_create",
    "organization_edit",
    "api_center_list",
    "api_center",
    "api_compliance",
    "api_venue",
    "api_governance_rule",
    "api_organization",
]


@pytest.mark.django_db
@pytest.mark.parametrize("page_name", PAGE_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role, page_name):
    # not "page": that name is pytest-playwright's fixture, and would make this a browser test
    url, allowed = _pages(world)[page_name]
    client.force_login(world.users[role])
    response = client.get(url)
    expected = 200 if role in allowed else 404
    assert response.status_code == expected, f"{role} {page_name} {url}"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_and_api_says_401_or_403(client, world):
    assert client.get(reverse("centers:overview")).status_code == 302
    assert client.get(reverse("centers:center_detail", args=[world.own.pk])).status_code == 302
    assert client.get("/api/v1/centers/").status_code in (401, 403)


@pytest.mark.django_db
def test_api_center_list_shows_only_what_the_user_may_see(client, world):
    client.force_login(world.users["director"])
    ids = [c["id"] for c in client.get("/api/v1/centers/").json()["results"]]
    assert ids == [world.own.pk]
    client.force_login(world.users["other_director"])
    assert [c["id"] for c in client.get("/api/v1/centers/").json()["results"]] == [world.other.pk]
    client.force_login(world.users["public"])
    assert client.get("/api/v1/centers/").status_code == 404


@pytest.mark.django_db
def test_director_sees_only_organizations_of_their_street_town(client, world):
    client.force_login(world.users["director"])
    response = client.get(reverse("centers:organization_list"))
    assert response.context["page"].paginator.count == 3
    assert world.other_org.name not in response.content.decode()
    client.force_login(world.users["other_director"])
    assert client.get(f"/api/v1/social-organizations/{world.own_org.pk}/").status_code == 404


@pytest.mark.django_db
def test_district_center_director_reads_the_whole_district(client, world):
    from accounts.roles import Role
    from core.testing import make_user

    from . import factories as f

    user = make_user("t_district_director", Role.DIRECTOR, center=f.district_center())
    client.force_login(user)
    assert client.get("/api/v1/social-organizations/").json()["count"] == 5


@pytest.mark.django_db
def test_director_can_edit_own_center_but_not_others_via_api(client, world):
    client.force_login(world.users["director"])
    own = client.patch(
        f"/api/v1/centers/{world.own.pk}/",
        {"phone": "021-59230000", "version": 1},
        content_type="application/json",
    )
    assert own.status_code == 200 and own.json()["phone"] == "021-59230000"
    other = client.patch(
        f"/api/v1/centers/{world.other.pk}/", {"phone": "1"}, content_type="application/json"
    )
    assert other.status_code == 404
    world.other.refresh_from_db()
    assert world.other.phone != "1"


@pytest.mark.django_db
def test_director_cannot_change_level_or_supervising_unit(client, world):
    client.force_login(world.users["director"])
    response = client.patch(
        f"/api/v1/centers/{world.own.pk}/",
        {"level": "industry", "industry": "教育"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "level" in response.json()["error"]["fields"]
    world.own.refresh_from_db()
    assert world.own.level == "street_town"


@pytest.mark.django_db
def test_supervisor_reads_but_cannot_write(client, world):
    client.force_login(world.users["supervisor"])
    assert (
        client.patch(
            f"/api/v1/venues/{world.venue.pk}/", {"area": "300"}, content_type="application/json"
        ).status_code
        == 404
    )
    response = client.post(
        "/api/v1/venues/",
        {"center": world.own.pk, "year": 2025, "address": "x", "area": "300"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not world.own.venues.filter(year=2025).exists()


@pytest.mark.django_db
def test_director_cannot_create_a_record_for_another_center(client, world):
    client.force_login(world.users["director"])
    response = client.post(
        "/api/v1/venues/",
        {"center": world.other.pk, "year": 2025, "address": "x", "area": "300"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not world.other.venues.exists()


@pytest.mark.django_db
def test_only_the_bureau_creates_organizations_via_api(client, world):
    from centers.codes import make_credit_code

    data = {
        "name": "青浦区新建志愿服务社",
        "credit_code": make_credit_code("2", 1234567),
        "kind": "2",
        "registered_on": "2023-05-01",
        "street_town": world.own.street_town_id,
        "status": "active",
    }
    client.force_login(world.users["director"])
    assert (
        client.post("/api/v1/social-organizations/", data, content_type="application/json").status_code == 404
    )
    client.force_login(world.users["bureau"])
    response = client.post("/api/v1/social-organizations/", data, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_bank_account_number_is_masked_for_the_supervisor(client, world):
    from centers.models import BankAccount

    account = BankAccount.objects.create(
        center=world.own, bank_name="农商银行", account_number="31990012345678"
    )
    client.force_login(world.users["supervisor"])
    assert client.get(f"/api/v1/bank-accounts/{account.pk}/").json()["account_number"] == "**********5678"
    page = client.get(reverse("centers:center_detail", args=[world.own.pk])).content.decode()
    assert "31990012345678" not in page and "5678" in page
    client.force_login(world.users["director"])
    assert client.get(f"/api/v1/bank-accounts/{account.pk}/").json()["account_number"] == "31990012345678"


@pytest.mark.django_db
def test_token_authentication_reads_compliance(client, world):
    from core.testing import TEST_PASSWORD

    token = client.post("/api/v1/auth/token/", {"username": "t_director", "password": TEST_PASSWORD}).json()[
        "token"
    ]
    response = client.get(
        f"/api/v1/centers/{world.own.pk}/compliance/?year=2024", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200
    rows = {r["rule"]: r for r in response.json()}
    assert set(rows["R-STAFF-2"]) == {"rule", "status", "detail", "figures", "computed_at"}
    assert rows["R-VENUE-1"]["status"] == "not_met"  # 230 m² but not an independent office
    assert rows["R-VENUE-1"]["detail"] == "办公场所面积 230 平方米（应不少于 200 平方米），非独立场所"
    bad = client.get(
        f"/api/v1/centers/{world.own.pk}/compliance/?year=abc", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert bad.status_code == 400 and "year" in bad.json()["error"]["fields"]

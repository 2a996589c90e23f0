"""API: the same permissions (outsider → 404), masking, the lost-update refusal (409), bad input."""

import pytest
from rest_framework.test import APIClient

from staffing.models import StaffMember, TalentProfile

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_outsider_gets_404_on_another_centers_roster_and_training(world):
    client = api(world["outsider"])
    chen, t = world["chen"], world["training"]
    assert client.get(f"/api/v1/staff-members/{chen.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/staff-members/{chen.pk}/", {"post_grade": "x", "version": 1}).status_code
        == 404
    )
    assert client.delete(f"/api/v1/staff-members/{chen.pk}/?version=1").status_code == 404
    assert client.get(f"/api/v1/trainings/{t.pk}/").status_code == 404
    assert client.get("/api/v1/staff-members/", {"center": world["a"].pk}).json()["count"] == 0
    response = client.post(
        "/api/v1/staff-members/",
        {"center": world["a"].pk, "name": "入侵者", "kind": "full_time", "start_date": "2026-01-01"},
    )
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    assert not StaffMember.objects.filter(name="入侵者").exists()


def test_supervisor_reads_but_cannot_change_and_sees_masked_phones(world):
    client = api(world["supervisor"])
    chen = world["chen"]
    body = client.get(f"/api/v1/staff-members/{chen.pk}/").json()
    assert body["mobile_phone"] == "138****5678" and body["contract_url"] is None
    assert (
        client.patch(f"/api/v1/staff-members/{chen.pk}/", {"post_grade": "x", "version": 1}).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["director", "bureau"])
def test_own_center_and_bureau_see_full_phone_and_contract(world, role):
    body = api(world[role]).get(f"/api/v1/staff-members/{world['chen'].pk}/").json()
    assert body["mobile_phone"] == "13812345678" and body["contract_url"]


def test_auditor_without_grant_sees_nothing(world):
    client = api(world["auditor"])
    assert client.get("/api/v1/staff-members/").status_code == 404  # no role of the roster's readers
    assert client.get(f"/api/v1/staff-members/{world['chen'].pk}/").status_code == 404
    assert client.get("/api/v1/talent-profiles/").status_code == 404
    assert client.get(f"/api/v1/talent-profiles/{world['talent'].pk}/").status_code == 404


def test_roster_at_a_past_date_through_the_api(world):
    client = api(world["director"])
    names = [
        p["name"]
        for p in client.get("/api/v1/staff-members/", {"center": world["a"].pk, "on": "2020-06-01"}).json()[
            "results"
        ]
    ]
    assert names == ["陈洁"]
    bad = client.get("/api/v1/staff-members/", {"on": "June"})
    assert bad.status_code == 400 and "on" in bad.json()["error"]["fields"]


def test_director_creates_through_the_api_and_bad_input_names_the_field(world):
    client = api(world["director"])
    ok = client.post(
        "/api/v1/staff-members/",
        {
            "center": world["a"].pk,
            "name": "新人",
            "kind": "labor",
            "start_date": "2026-03-01",
            "monthly_pay": "2740",
            "mobile_phone": "13800001111",
        },
    )
    assert ok.status_code == 201 and ok.json()["version"] == 1
    bad = client.post(
        "/api/v1/staff-members/",
        {
            "center": world["a"].pk,
            "name": "志愿者甲",
            "kind": "volunteer",
            "start_date": "2026-03-01",
            "monthly_pay": "800",
        },
    )
    assert bad.status_code == 400
    assert "志愿者不支薪" in bad.json()["error"]["fields"]["monthly_pay"][0]
    assert not StaffMember.objects.filter(name="志愿者甲").exists()


def test_second_api_save_with_a_stale_version_is_refused_with_409(world):
    client = api(world["director"])
    url = f"/api/v1/staff-members/{world['chen'].pk}/"
    assert client.patch(url, {"post_grade": "二岗4级", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"post_grade": "一岗1级", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict" and "已被他人修改" in stale.json()["error"]["message"]
    missing = client.patch(url, {"post_grade": "一岗1级"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]
    assert StaffMember.objects.get(pk=world["chen"].pk).post_grade == "二岗4级"


def test_api_refuses_deleting_a_person_from_a_past_year(world):
    client = api(world["director"])
    response = client.delete(f"/api/v1/staff-members/{world['chen'].pk}/?version=1")
    assert response.status_code == 400 and "不能删除" in response.json()["error"]["message"]
    assert StaffMember.objects.filter(pk=world["chen"].pk).exists()


def test_trainings_api_counts_and_refuses_other_centers_attendees(world):
    client = api(world["director"])
    ok = client.post(
        "/api/v1/trainings/",
        {
            "center": world["a"].pk,
            "title": "政策培训",
            "organizer": "区民政局",
            "held_on": "2026-05-01",
            "hours": "2",
            "attendees": [world["chen"].pk],
        },
        format="json",
    )
    assert ok.status_code == 201
    other = StaffMember.objects.create(
        center=world["b"], name="外中心", kind="full_time", start_date="2025-01-01"
    )
    bad = client.post(
        "/api/v1/trainings/",
        {
            "center": world["a"].pk,
            "title": "x",
            "organizer": "y",
            "held_on": "2026-05-01",
            "hours": "2",
            "attendees": [other.pk],
        },
        format="json",
    )
    assert bad.status_code == 400 and "attendees" in bad.json()["error"]["fields"]
    assert client.get("/api/v1/trainings/", {"center": world["a"].pk, "year": 2026}).json()["count"] == 2


def test_talent_pool_api_masks_for_readers_and_only_the_keeper_writes(world):
    p = world["talent"]
    reader = api(world["director"])
    assert reader.get("/api/v1/talent-profiles/").json()["results"][0]["mobile_phone"] == "139****1111"
    assert (
        reader.patch(f"/api/v1/talent-profiles/{p.pk}/", {"years_of_experience": 9, "version": 1}).status_code
        == 404
    )
    assert (
        reader.post(
            "/api/v1/talent-profiles/", {"name": "x", "organization_name": "y", "expertise": "law"}
        ).status_code
        == 404
    )
    keeper = api(world["district_director"])
    assert keeper.get(f"/api/v1/talent-profiles/{p.pk}/").json()["mobile_phone"] == "13900001111"
    response = keeper.patch(
        f"/api/v1/talent-profiles/{p.pk}/", {"years_of_experience": 80, "version": 1}, format="json"
    )
    assert response.status_code == 400 and "years_of_experience" in response.json()["error"]["fields"]
    response = keeper.patch(
        f"/api/v1/talent-profiles/{p.pk}/", {"years_of_experience": 9, "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert TalentProfile.objects.get(pk=p.pk).years_of_experience == 9


def test_roster_list_queries_do_not_grow_with_rows(world, django_assert_max_num_queries):
    from .factories import member

    client = api(world["bureau"])
    client.get("/api/v1/staff-members/")
    with django_assert_max_num_queries(20) as ctx:
        client.get("/api/v1/staff-members/")
    baseline = len(ctx.captured_queries)
    for _ in range(10):
        member(world["a"])
    with django_assert_max_num_queries(baseline):
        assert client.get("/api/v1/staff-members/").json()["count"] == 12


@pytest.mark.parametrize("role", ["director", "bureau", "supervisor"])
def test_no_role_reads_the_contracts_storage_path_through_the_api(world, role):
    """Adding the contract file to the staff serializer must fail here: the file is reached only
    through the permission-checked, audited download view (contract_url), never by its stored path."""
    chen = world["chen"]
    assert chen.contract.name
    for body in (
        api(world[role]).get(f"/api/v1/staff-members/{chen.pk}/").json(),
        api(world[role]).get("/api/v1/staff-members/", {"center": chen.center_id}).json(),
    ):
        text = str(body)
        assert "'contract'" not in text and chen.contract.name not in text
        assert "/media" not in text

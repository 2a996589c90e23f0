"""Pages: what they show, that edits work and are recorded, and that query counts do not grow."""

import uuid
from datetime import date

import pytest
from django.urls import reverse

from centers.models import ServiceCenter, Venue

from . import factories as f


@pytest.mark.django_db
def test_overview_shows_compliance_with_colour_and_text_and_cover_rule(client, world):
    client.force_login(world.users["bureau"])
    html = client.get(reverse("centers:overview") + "?year=2024").content.decode()
    assert "R-COVER-1" in html and "尚未覆盖" in html  # only 2 of 11 street/towns have a center here
    assert 'class="status status-not_met"' in html and "未达标" in html
    assert world.own.name in html


@pytest.mark.django_db
def test_overview_filters_by_level(client, world):
    client.force_login(world.users["bureau"])
    response = client.get(reverse("centers:overview") + "?level=district")
    names = [row["center"].name for row in response.context["rows"]]
    assert names == ["青浦区社会组织服务中心"]


@pytest.mark.django_db
def test_overview_query_count_does_not_grow_with_centers(client, world, django_assert_max_num_queries):
    client.force_login(world.users["bureau"])
    url = reverse("centers:overview") + "?year=2024"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for name in ("练塘镇", "徐泾镇", "白鹤镇", "华新镇", "重固镇"):
        f.full_registers(f.center_for(name), 2024)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 8


@pytest.mark.django_db
def test_center_page_query_count_is_pinned(client, world, django_assert_max_num_queries):
    f.full_registers(world.own, 2025)
    client.force_login(world.users["director"])
    url = reverse("centers:center_detail", args=[world.own.pk]) + "?year=2025"
    with django_assert_max_num_queries(75):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_organization_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.users["bureau"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("centers:organization_list"))
    f.organizations(60, street_town_obj=world.own.street_town)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("centers:organization_list"))
    assert len(response.context["page"].object_list) == 50


@pytest.mark.django_db
def test_compliance_api_query_count_is_constant(client, world, django_assert_max_num_queries):
    client.force_login(world.users["bureau"])
    with django_assert_max_num_queries(30):
        assert client.get(f"/api/v1/centers/{world.own.pk}/compliance/?year=2024").status_code == 200


@pytest.mark.django_db
def test_organization_search_by_name_and_code(client, world):
    client.force_login(world.users["bureau"])
    org = world.own_org
    by_code = client.get(reverse("centers:organization_list"), {"q": org.credit_code[:12]})
    assert org in by_code.context["page"].object_list
    by_name = client.get(reverse("centers:organization_list"), {"q": org.name})
    assert list(by_name.context["page"].object_list) == [org]


@pytest.mark.django_db
def test_director_edits_venue_and_the_change_appears_in_history(client, world):
    client.force_login(world.users["director"])
    url = reverse("centers:record_edit", args=[world.own.pk, "venue", world.venue.pk])
    response = client.post(
        url,
        {"year": 2024, "address": "朱家角镇某路 1 号", "area": "260", "is_independent": "on", "version": 1},
    )
    assert response.status_code == 302
    world.venue.refresh_from_db()
    assert world.venue.area == 260 and world.venue.is_independent
    center_page = client.get(reverse("centers:center_detail", args=[world.own.pk])).content.decode()
    history_url = reverse("centers:center_history", args=[world.own.pk])
    assert f'href="{history_url}"' in center_page
    page = client.get(history_url).content.decode()
    assert "面积（平方米）：230.00 → 260.00" in page
    assert "t_director" in page


@pytest.mark.django_db
def test_another_centers_history_is_not_found(client, world):
    """A director of another center, an auditor and a public account get 404 on its 变更记录; signed out,
    the login page."""
    url = reverse("centers:center_history", args=[world.own.pk])
    assert client.get(url).status_code == 302
    for key in ("other_director", "auditor", "public"):
        client.force_login(world.users[key])
        assert client.get(url).status_code == 404, key
    client.force_login(world.users["supervisor"])
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_bad_area_on_the_form_shows_chinese_message_and_saves_nothing(client, world):
    client.force_login(world.users["director"])
    url = reverse("centers:record_create", args=[world.own.pk, "venue"])
    response = client.post(
        url, {"year": 2025, "address": "x", "area": "-3", "idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    assert "应大于 0 且小于 100000 平方米" in response.content.decode()
    assert not Venue.objects.filter(year=2025).exists()


@pytest.mark.django_db
def test_delete_asks_for_confirmation_first(client, world):
    client.force_login(world.users["director"])
    url = reverse("centers:record_delete", args=[world.own.pk, "venue", world.venue.pk])
    assert "确认删除" in client.get(url).content.decode()
    assert Venue.objects.filter(pk=world.venue.pk).exists()
    client.post(url, {"version": 1})
    assert not Venue.objects.filter(pk=world.venue.pk).exists()


@pytest.mark.django_db
def test_director_cannot_edit_another_centers_record_through_url(client, world):
    other_venue = Venue.objects.create(center=world.other, year=2024, address="金泽", area=300)
    client.force_login(world.users["director"])
    url = reverse("centers:record_edit", args=[world.own.pk, "venue", other_venue.pk])
    assert client.post(url, {"year": 2024, "address": "x", "area": "1"}).status_code == 404
    other_venue.refresh_from_db()
    assert other_venue.area == 300


@pytest.mark.django_db
def test_document_is_served_only_through_the_permission_checked_view(client, world):
    client.force_login(world.users["supervisor"])
    response = client.get(reverse("centers:document", args=["governancerule", world.rule.pk, "document"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The storage URL is not routed: the file is reachable only through the view above.
    assert client.get(world.rule.document.url).status_code == 404


@pytest.mark.django_db
def test_bureau_creates_a_center_and_the_unit_users_gain_access(client, world):
    client.force_login(world.users["bureau"])
    unit = f.street_town("白鹤镇").supervising_unit
    response = client.post(
        reverse("centers:center_create"),
        {
            "level": "street_town",
            "status": "operating",
            "supervising_unit": unit.pk,
            "street_town": f.street_town("白鹤镇").pk,
            "name": "青浦区白鹤镇社会组织服务中心",
            "established_on": "2016-01-01",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302, response.content.decode()
    center = ServiceCenter.objects.get(street_town__name="白鹤镇")
    assert center.established_on == date(2016, 1, 1)


@pytest.mark.django_db
def test_home_panels_show_cover_rule_to_bureau_and_own_compliance_to_director(client, world):
    client.force_login(world.users["bureau"])
    assert "R-COVER-1" in client.get("/").content.decode() or "街镇" in client.get("/").content.decode()
    client.force_login(world.users["director"])
    html = client.get("/").content.decode()
    assert "本中心" in html and "达标" in html and world.own.name in html


@pytest.mark.django_db
def test_list_apis_do_not_run_a_query_per_row(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["bureau"])
    for url in ("/api/v1/centers/", "/api/v1/social-organizations/", "/api/v1/venues/"):
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        f.organizations(30, street_town_obj=world.own.street_town)
        Venue.objects.create(center=world.other, year=2020 + len(url) % 5, address="x", area=300)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_overview_filters_by_compliance_across_pages(client, world):
    client.force_login(world.users["bureau"])
    response = client.get(reverse("centers:overview"), {"year": 2024, "compliance": "no_data"})
    names = {row["center"].name for row in response.context["rows"]}
    assert world.other.name in names  # 金泽镇 has no registers at all
    assert response.context["page"].paginator.count == len(names)


@pytest.mark.django_db
def test_bureau_records_an_organization_rating_and_the_list_shows_it(client, world):
    client.force_login(world.users["bureau"])
    url = reverse("centers:organization_rating_create", args=[world.own_org.pk])
    response = client.post(
        url, {"rating-grade": 4, "rating-rated_on": "2024-05-01", "rating-idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 302
    rating = world.own_org.ratings.get()
    assert str(rating.valid_until) == "2029-05-01"
    html = client.get(reverse("centers:organization_list"), {"q": world.own_org.credit_code}).content.decode()
    assert "4A（2024-05-01）" in html
    client.force_login(world.users["director"])
    assert client.post(url, {"rating-grade": 5, "rating-rated_on": "2024-05-01"}).status_code == 404
    assert world.own_org.ratings.count() == 1

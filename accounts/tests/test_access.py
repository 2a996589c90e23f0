"""Access derived from affiliation: a director's follows user.center, a supervising unit's the centers
it has at the time of the request; deactivation ends sessions and tokens at once."""

import pytest
from django.apps import apps
from django.urls import reverse
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.models import User
from centers.models import ServiceCenter
from core.permissions import restrict
from core.testing import login_as

pytestmark = pytest.mark.django_db


def center_urls(center):
    """Every page and API URL of one center that a reader of it opens."""
    return [
        reverse("centers:center_detail", args=[center.pk]),
        reverse("staffing:roster", args=[center.pk]),
        reverse("staffing:roster_export", args=[center.pk]),
        reverse("staffing:training_list", args=[center.pk]),
        f"/api/v1/centers/{center.pk}/",
        f"/api/v1/centers/{center.pk}/compliance/?year=2024",
    ]


def test_director_reaches_their_center_only_without_any_object_grant(world):
    assert UserObjectPermission.objects.count() == 0
    visible = restrict(ServiceCenter.objects.all(), world.director_jinze)
    assert list(visible) == [world.jinze]
    assert list(restrict(ServiceCenter.objects.all(), world.director_jinze, "change")) == [world.jinze]
    assert not restrict(ServiceCenter.objects.all(), world.director_jinze, "review").exists()


def test_supervising_unit_reaches_its_centers_for_view_and_review_not_change(world):
    for action in ("view", "review"):
        assert list(restrict(ServiceCenter.objects.all(), world.supervisor_jinze, action)) == [world.jinze]
    assert not restrict(ServiceCenter.objects.all(), world.supervisor_jinze, "change").exists()


@pytest.mark.parametrize("who", ["useradmin", "auditadmin", "auditor"])
def test_administrators_and_unassigned_auditors_reach_no_center(world, who):
    assert not restrict(ServiceCenter.objects.all(), getattr(world, who)).exists()


def test_changing_a_directors_center_moves_their_access_at_once(client, world):
    login_as(client, world.director_jinze)
    assert client.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 200
    services.user_update(
        actor=world.useradmin,
        user=world.director_jinze,
        version=world.director_jinze.version,
        data={"center": world.zhujiajiao},
    )
    assert client.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 404
    assert client.get(reverse("centers:center_detail", args=[world.zhujiajiao.pk])).status_code == 200


def test_moving_a_center_to_another_unit_moves_access_in_the_same_request(client, world):
    newcomer = User.objects.create_user("t_supervisor_other", password="x")
    services.grant_supervising_unit(user=newcomer, unit=world.other_unit)
    login_as(client, world.supervisor_jinze)
    for url in center_urls(world.jinze):
        assert client.get(url).status_code == 200, url

    login_as(client, world.bureau)
    moved = client.patch(
        f"/api/v1/centers/{world.jinze.pk}/",
        {
            "supervising_unit": world.other_unit.pk,
            "version": ServiceCenter.objects.get(pk=world.jinze.pk).version,
        },
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    assert ServiceCenter.objects.get(pk=world.jinze.pk).supervising_unit == world.other_unit

    login_as(client, world.supervisor_jinze)
    for url in center_urls(world.jinze):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/centers/").json()["count"] == 0
    login_as(client, newcomer)
    for url in center_urls(world.jinze):
        assert client.get(url).status_code == 200, url


def test_deactivation_makes_session_and_token_fail_at_once(client, world):
    user = world.director_jinze
    token = Token.objects.create(user=user)
    login_as(client, user)
    url = reverse("centers:center_detail", args=[world.jinze.pk])
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200

    services.user_set_active(actor=world.useradmin, user=user, active=False)

    page = client.get(url)
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    api = client.get("/api/v1/centers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    # 401: token authentication comes first (issue 14 §2), so a dead token asks for credentials.
    assert api.status_code == 401 and api.json()["error"]["code"] == "authentication_failed"
    assert not Token.objects.filter(user=user).exists()
    from django.contrib.sessions.models import Session

    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    assert not restrict(ServiceCenter.objects.all(), User.objects.get(pk=user.pk)).exists()


def test_restrict_query_counts_are_pinned(world, django_assert_num_queries):
    # A fresh user object each time: nothing cached. Director/supervisor: role groups, permission
    # cache (the user's and their groups' permissions, one query), the centers. Bureau: permissions,
    # centers.
    for user, expected in (
        (world.director_jinze, 3),
        (world.supervisor_jinze, 3),
        (world.bureau, 2),
        (world.useradmin, 2),
    ):
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(expected):
            list(restrict(ServiceCenter.objects.all(), fresh))


def test_data_migration_turns_center_grants_into_affiliations(world):
    module = __import__(
        "accounts.migrations.0005_center_grants_to_affiliations", fromlist=["grants_to_affiliations"]
    )
    director = User.objects.create_user("legacy_director", password="x")
    supervisor = User.objects.create_user("legacy_supervisor", password="x")
    assign_perm("centers.change_servicecenter", director, world.jinze)
    assign_perm("centers.view_servicecenter", director, world.jinze)
    assign_perm("centers.review_servicecenter", supervisor, world.zhujiajiao)
    module.grants_to_affiliations(apps, None)
    director.refresh_from_db()
    supervisor.refresh_from_db()
    assert director.center == world.jinze
    assert supervisor.supervising_unit == world.zhujiajiao_unit
    assert not UserObjectPermission.objects.filter(content_type__model="servicecenter").exists()


def test_the_bureau_reads_whole_tables_without_a_subquery_and_others_stay_narrowed(world):
    """restrict() leaves a child of a whole parent table unfiltered (no ``IN (SELECT … every row)``,
    which PostgreSQL ran over all 100,000 organisations for every rating), and the same rows come out;
    a director still sees only their center's."""
    from centers.models import RatingRecord, Venue
    from staffing.models import StaffMember

    for center in (world.jinze, world.zhujiajiao):
        Venue.objects.create(center=center, year=2025, address="某路 1 号", area=230)
        StaffMember.objects.create(center=center, name="某人", kind="full_time", start_date="2020-01-01")
        RatingRecord.objects.create(center=center, grade=3, rated_on="2024-01-01", valid_until="2029-01-01")
    bureau, director = (User.objects.get(pk=u.pk) for u in (world.bureau, world.director_jinze))
    for model in (Venue, StaffMember, RatingRecord):
        everything = restrict(model.objects.all(), bureau)
        assert "IN (SELECT" not in str(everything.query), model
        assert set(everything.values_list("pk", flat=True)) == set(model.objects.values_list("pk", flat=True))
        own = restrict(model.objects.all(), director)
        assert {row.center_id for row in own} == {world.jinze.pk}, model

"""The registers in the Django admin: read by the bureau's staff, written by nobody (the writes go
through activities.services on the portal's pages and the API)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from activities.models import ActivityTeam, Attachment, EarlyWarning
from activities.registers import REGISTERS

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user, backend="accounts.backends.PortalModelBackend")
    return client


def _team(world):
    return ActivityTeam.objects.create(
        center=world["a"],
        name="夕阳红舞蹈队",
        kind="culture",
        leader="王芳",
        members=12,
        filed_on=date(2025, 3, 1),
    )


def test_the_bureau_reads_every_register_in_the_admin_but_cannot_add_change_or_delete(world):
    team = _team(world)
    client = _client(world["bureau"])
    index = client.get("/admin/").content.decode()
    assert "社区群众活动团队备案" in index and "预警处置" in index
    for register in REGISTERS.values():
        meta = register.model._meta
        listed = client.get(f"/admin/activities/{meta.model_name}/")
        assert listed.status_code == 200, register.slug
        assert client.get(f"/admin/activities/{meta.model_name}/add/").status_code == 403, register.slug
    listed = client.get("/admin/activities/activityteam/").content.decode()
    assert "夕阳红舞蹈队" in listed
    url = f"/admin/activities/activityteam/{team.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"name": "改名", "members": 99}).status_code == 403
    delete = f"/admin/activities/activityteam/{team.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/activities/activityteam/",
        {"action": "delete_selected", "_selected_action": [team.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    team.refresh_from_db()
    assert team.name == "夕阳红舞蹈队" and team.members == 12 and team.version == 1


def test_people_outside_the_bureau_see_no_register_in_the_admin(world):
    _team(world)
    from core.testing import make_user

    staff = make_user("t_plain_staff", is_staff=True)  # staff without the bureau's grants
    for user in (staff, world["director_a"], world["supervisor_a"]):
        client = _client(user)
        response = client.get("/admin/activities/activityteam/")
        assert response.status_code in (302, 403), user
        assert "夕阳红舞蹈队" not in response.content.decode()
    page = _client(staff).get("/admin/").content.decode()
    assert "社区群众活动团队备案" not in page


def test_attachments_and_warnings_in_the_admin_show_no_file_and_change_nothing(world):
    warning = EarlyWarning.objects.create(
        center=world["a"],
        organization=world["orgs"][0],
        category="finance",
        found_on=date(2025, 3, 1),
        source="巡查",
    )
    client = _client(world["bureau"])
    page = client.get(f"/admin/activities/earlywarning/{warning.pk}/change/")
    assert page.status_code == 200 and world["orgs"][0].name in page.content.decode()
    assert client.get("/admin/activities/attachment/").status_code == 200
    assert not Attachment.objects.exists()

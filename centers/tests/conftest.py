from datetime import date

import pytest
from django.core.files.base import ContentFile

from accounts.roles import Role
from centers.models import GovernanceRule, SocialOrganization, Venue
from core.testing import make_user

from . import factories as f


class World:
    pass


@pytest.fixture
def world(db):
    """Two street/town centers and one person of each role: owner, reader, outsiders."""
    w = World()
    w.own = f.center_for("朱家角镇")
    w.other = f.center_for("金泽镇")
    f.district_center()
    w.venue = Venue.objects.create(center=w.own, year=2024, address="朱家角镇某路 1 号", area=230)
    w.rule = GovernanceRule.objects.create(
        center=w.own, kind="finance", title="财务管理制度", adopted_on=date(2020, 1, 1)
    )
    w.rule.document.save("finance.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    f.organizations(3, street_town_obj=w.own.street_town)
    f.organizations(2, street_town_obj=w.other.street_town)
    w.own_org = SocialOrganization.objects.filter(street_town=w.own.street_town).first()
    w.other_org = SocialOrganization.objects.filter(street_town=w.other.street_town).first()
    w.users = {
        "bureau": make_user("t_bureau", Role.BUREAU),
        "director": make_user("t_director", Role.DIRECTOR, center=w.own),
        "other_director": make_user("t_other_director", Role.DIRECTOR, center=w.other),
        "supervisor": make_user("t_supervisor", Role.SUPERVISOR, unit=w.own.supervising_unit),
        "auditor": make_user("t_auditor", Role.AUDITOR),
        "public": make_user("t_public", Role.PUBLIC),
    }
    return w

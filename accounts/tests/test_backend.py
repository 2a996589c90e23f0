"""The portal's model backend answers exactly what Django's ModelBackend answers, in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import PortalModelBackend
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_role

pytestmark = pytest.mark.django_db


def _perm(codename):
    return Permission.objects.get(codename=codename)


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _both(user):
    return PortalModelBackend().get_all_permissions(_fresh(user)), ModelBackend().get_all_permissions(
        _fresh(user)
    )


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.PUBLIC])
def test_a_role_groups_permissions_are_djangos(role):
    user = User.objects.create_user(username=f"u-{role}", password="Backend-test-2026")
    user_set_role(user, role)
    portal, django_answer = _both(user)
    assert portal == django_answer
    if role == Role.BUREAU:
        assert "centers.view_servicecenter" in portal


def test_own_permissions_and_groups_together_are_djangos():
    user = User.objects.create_user(username="mixed", password="Backend-test-2026")
    user_set_role(user, Role.SUPERVISOR)
    user.user_permissions.add(_perm("view_servicecenter"), _perm("add_servicecenter"))
    extra = Group.objects.create(name="额外的组")
    extra.permissions.add(_perm("change_servicecenter"))
    user.groups.add(extra)
    portal, django_answer = _both(user)
    assert portal == django_answer
    assert {"centers.add_servicecenter", "centers.change_servicecenter"} <= portal


def test_own_permissions_only():
    user = User.objects.create_user(username="own", password="Backend-test-2026")
    user.user_permissions.add(_perm("view_servicecenter"))
    assert _both(user) == ({"centers.view_servicecenter"}, {"centers.view_servicecenter"})


def test_no_permission_at_all_and_inactive_and_object_asks_are_empty():
    user = User.objects.create_user(username="none", password="Backend-test-2026")
    assert _both(user) == (set(), set())
    user.user_permissions.add(_perm("view_servicecenter"))
    user.is_active = False
    user.save()
    assert _both(user) == (set(), set())
    assert PortalModelBackend().get_all_permissions(_fresh(user), obj=object()) == set()


def test_a_superuser_has_every_permission():
    user = User.objects.create_superuser(username="root2", password="Backend-test-2026")
    portal, django_answer = _both(user)
    assert portal == django_answer
    assert len(portal) == Permission.objects.count()


def test_another_users_permissions_do_not_leak():
    granted = User.objects.create_user(username="granted", password="Backend-test-2026")
    user_set_role(granted, Role.BUREAU)
    granted.user_permissions.add(_perm("delete_servicecenter"))
    outsider = User.objects.create_user(username="outsider", password="Backend-test-2026")
    assert PortalModelBackend().get_all_permissions(_fresh(outsider)) == set()
    assert not _fresh(outsider).has_perm("centers.view_servicecenter")


def test_has_perm_reads_the_permissions_in_one_query_once_a_request():
    user = User.objects.create_user(username="once", password="Backend-test-2026")
    user_set_role(user, Role.BUREAU)
    user = _fresh(user)
    with CaptureQueriesContext(connection) as ctx:
        assert user.has_perm("centers.view_servicecenter")
        assert not user.has_perm("centers.no_such_permission")
        user.get_all_permissions()
    assert len(ctx.captured_queries) == 1

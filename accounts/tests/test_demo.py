"""Demo accounts: one per role, and a supervising-unit account for every unit that has centers."""

import pytest

from accounts.demo import DEMO_ACCOUNTS, supervisor_username
from accounts.models import User
from accounts.roles import Role
from centers.models import ServiceCenter, SupervisingUnit
from core.permissions import restrict

pytestmark = pytest.mark.django_db


def test_demo_has_both_administrators_and_a_supervisor_for_every_unit_with_centers(demo):
    assert User.objects.get(username="useradmin").role == Role.ACCOUNT_ADMIN
    assert User.objects.get(username="auditadmin").role == Role.AUDIT_ADMIN
    units = SupervisingUnit.objects.filter(centers__isnull=False).distinct()
    assert units.count() >= 12
    for unit in units:
        user = User.objects.get(username=supervisor_username(unit))
        assert user.role == Role.SUPERVISOR and user.supervising_unit == unit
        assert set(restrict(ServiceCenter.objects.all(), user)) == set(unit.centers.all())
    assert User.objects.get(username="supervisor_jinze").supervising_unit.name == "金泽镇人民政府"
    listed = {name for name, _ in DEMO_ACCOUNTS}
    assert {"useradmin", "auditadmin", "supervisor_jinze", "supervisor_zhujiajiao"} <= listed

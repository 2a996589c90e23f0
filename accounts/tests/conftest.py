import pytest
from django.core.files.base import ContentFile

from accounts.roles import Role
from centers.models import GovernanceRule, SupervisingUnit
from centers.tests import factories as f
from core.testing import make_user


class World:
    pass


@pytest.fixture
def world(db):
    """金泽镇 and 朱家角镇 with their centers, and one person of every role (owner, outsiders)."""
    w = World()
    w.jinze = f.center_for("金泽镇")
    w.zhujiajiao = f.center_for("朱家角镇")
    w.jinze_unit = w.jinze.supervising_unit
    w.zhujiajiao_unit = w.zhujiajiao.supervising_unit
    w.other_unit = SupervisingUnit.objects.get(name="练塘镇人民政府")
    w.rule = GovernanceRule.objects.create(
        center=w.jinze, kind="finance", title="财务管理制度", adopted_on="2020-01-01"
    )
    w.rule.document.save("finance.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    w.useradmin = make_user("t_useradmin", Role.ACCOUNT_ADMIN)
    w.auditadmin = make_user("t_auditadmin", Role.AUDIT_ADMIN)
    w.bureau = make_user("t_bureau", Role.BUREAU)
    w.director_jinze = make_user("t_director_jinze", Role.DIRECTOR, center=w.jinze)
    w.director_zhujiajiao = make_user("t_director_zjj", Role.DIRECTOR, center=w.zhujiajiao)
    w.supervisor_jinze = make_user("t_supervisor_jinze", Role.SUPERVISOR, unit=w.jinze_unit)
    w.auditor = make_user("t_auditor", Role.AUDITOR, organization_name="某评估事务所")
    return w

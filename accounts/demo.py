"""Demo accounts. Created only here (seed_demo), never by migrations."""

from centers.choices import CenterLevel
from centers.models import ServiceCenter, SupervisingUnit

from .models import User
from .roles import Role
from .services import grant_center, grant_supervising_unit, make_bureau_staff, user_set_role

DEMO_ACCOUNTS = [
    ("bureau", "区民政局工作人员"),
    ("director_zhujiajiao", "朱家角镇社会组织服务中心主任"),
    ("director_jinze", "金泽镇社会组织服务中心主任"),
    ("supervisor_zhujiajiao", "朱家角镇人民政府（业务主管单位）"),
    ("auditor1", "抽检评估人员"),
    ("admin", "超级管理员"),
]


def _user(username: str, full_name: str, password: str, **extra) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name, **extra})
    if created:
        user.set_password(password)
        user.save()
    return user


def town_center(name: str) -> ServiceCenter:
    return ServiceCenter.objects.get(level=CenterLevel.STREET_TOWN, street_town__name=name)


def seed(*, stdout, password):
    make_bureau_staff(_user("bureau", "王敏（区民政局）", password, organization_name="青浦区民政局"))
    grant_center(
        user=_user("director_zhujiajiao", "陈洁", password),
        center=town_center("朱家角镇"),
        role=Role.DIRECTOR,
    )
    grant_center(
        user=_user("director_jinze", "李强", password), center=town_center("金泽镇"), role=Role.DIRECTOR
    )
    grant_supervising_unit(
        user=_user("supervisor_zhujiajiao", "张伟（朱家角镇人民政府）", password),
        unit=SupervisingUnit.objects.get(name="朱家角镇人民政府"),
    )
    user_set_role(
        _user("auditor1", "赵琳（第三方评估机构）", password, organization_name="上海某社会组织评估事务所"),
        Role.AUDITOR,
    )
    admin = _user("admin", "系统管理员", password, is_staff=True, is_superuser=True)
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    stdout.write(f"  演示账号：{len(DEMO_ACCOUNTS)} 个")

"""Demo accounts. Created only here (seed_demo), never by migrations.

One account per role, and a supervising-unit account for every unit that has centers, so a new user
can try every role on every center. Access follows the affiliation (core.permissions).
"""

from centers.choices import CenterLevel
from centers.models import ServiceCenter, SupervisingUnit

from .models import User
from .roles import Role
from .services import grant_center, grant_supervising_unit, make_bureau_staff, user_set_role

# Demo user names of the supervising units (the demo district's); any other unit gets supervisor_unit<id>.
UNIT_SLUGS = {
    "青浦区民政局": "minzhengju",
    "夏阳街道办事处": "xiayang",
    "盈浦街道办事处": "yingpu",
    "香花桥街道办事处": "xianghuaqiao",
    "朱家角镇人民政府": "zhujiajiao",
    "练塘镇人民政府": "liantang",
    "金泽镇人民政府": "jinze",
    "赵巷镇人民政府": "zhaoxiang",
    "徐泾镇人民政府": "xujing",
    "华新镇人民政府": "huaxin",
    "重固镇人民政府": "chonggu",
    "白鹤镇人民政府": "baihe",
    "青浦区教育局": "jiaoyuju",
    "青浦区体育局": "tiyuju",
}

# (username, label), filled by ``seed`` (seed_demo prints it after seeding).
DEMO_ACCOUNTS: list[tuple[str, str]] = []


def _user(username: str, full_name: str, password: str, **extra) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name, **extra})
    if created:
        user.set_password(password)
        user.save()
    return user


def town_center(name: str) -> ServiceCenter:
    return ServiceCenter.objects.get(level=CenterLevel.STREET_TOWN, street_town__name=name)


def supervisor_username(unit: SupervisingUnit) -> str:
    return f"supervisor_{UNIT_SLUGS.get(unit.name, f'unit{unit.pk}')}"


def seed(*, stdout, password):
    accounts = [("bureau", "区民政局工作人员")]
    make_bureau_staff(_user("bureau", "王敏（区民政局）", password, organization_name="青浦区民政局"))
    grant_center(
        user=_user("director_zhujiajiao", "陈洁", password),
        center=town_center("朱家角镇"),
        role=Role.DIRECTOR,
    )
    grant_center(
        user=_user("director_jinze", "李强", password), center=town_center("金泽镇"), role=Role.DIRECTOR
    )
    accounts += [
        ("director_zhujiajiao", "朱家角镇社会组织服务中心主任"),
        ("director_jinze", "金泽镇社会组织服务中心主任"),
    ]
    units = SupervisingUnit.objects.filter(centers__isnull=False).distinct().order_by("kind", "name")
    for unit in units:
        username = supervisor_username(unit)
        grant_supervising_unit(user=_user(username, f"{unit.name}工作人员", password), unit=unit)
        accounts.append((username, f"{unit.name}（业务主管单位）"))
    user_set_role(
        _user("auditor1", "赵琳（第三方评估机构）", password, organization_name="上海某社会组织评估事务所"),
        Role.AUDITOR,
    )
    user_set_role(_user("useradmin", "周婷（账号管理员）", password), Role.ACCOUNT_ADMIN)
    user_set_role(_user("auditadmin", "吴刚（审计管理员）", password), Role.AUDIT_ADMIN)
    admin = _user("admin", "系统管理员", password, is_staff=True, is_superuser=True)
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    accounts += [
        ("auditor1", "抽检评估人员"),
        ("useradmin", "账号管理员"),
        ("auditadmin", "审计管理员"),
        ("admin", "超级管理员"),
    ]
    DEMO_ACCOUNTS[:] = accounts
    stdout.write(f"  演示账号：{len(DEMO_ACCOUNTS)} 个")

"""Account administration (账号管理) through the pages, from the account administrator's side and
from every outsider's."""

import io

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts import importing, services
from accounts.models import User
from accounts.roles import Role
from core.jobs import run_job
from core.models import AuditEntry, Job
from core.testing import login_as, make_user

pytestmark = pytest.mark.django_db


def xlsx(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.append(header or [h for h, _ in importing.COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data, name="账号.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def new_director(world, **overrides):
    data = {
        "username": "zhang_jinze",
        "full_name": "张敏",
        "mobile": "13812345678",
        "email": "",
        "role": Role.DIRECTOR,
        "center": world.jinze.pk,
        "supervising_unit": "",
        "organization_name": "",
    }
    data.update(overrides)
    return data


def account_urls(target):
    get = [
        reverse("accounts:user_list"),
        reverse("accounts:user_export"),
        reverse("accounts:user_create"),
        reverse("accounts:user_import"),
        reverse("accounts:user_template"),
        reverse("accounts:user_edit", args=[target.pk]),
    ]
    post = [
        reverse("accounts:user_create"),
        reverse("accounts:user_edit", args=[target.pk]),
        reverse("accounts:user_set_active", args=[target.pk]),
        reverse("accounts:user_unlock", args=[target.pk]),
        reverse("accounts:user_reset_password", args=[target.pk]),
        reverse("accounts:user_import_commit"),
        reverse("accounts:user_import_passwords"),
    ]
    return get, post


def test_account_admin_creates_a_director_whose_one_time_password_is_shown_once(
    client, world, django_capture_on_commit_callbacks
):
    login_as(client, world.useradmin)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("accounts:user_create"), new_director(world, email="zm@example.org"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    user = User.objects.get(username="zhang_jinze")
    password = page.context["issued"][0].password
    assert password in page.content.decode() and "只显示这一次" in page.content.decode()
    assert user.check_password(password) and user.must_change_password
    assert user.role == Role.DIRECTOR and user.center == world.jinze and not user.is_staff
    assert len(password) >= 10 and services.character_classes(password) >= 3
    assert len(mail.outbox) == 1 and password in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="accounts.user.created", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"center": ""}, "center", "须选择所属服务中心"),
        ({"supervising_unit": "__unit__"}, "supervising_unit", "不能有所属业务主管单位"),
        ({"role": Role.SUPERVISOR, "center": ""}, "supervising_unit", "须选择所属业务主管单位"),
        ({"role": Role.SUPERVISOR, "supervising_unit": "__unit__"}, "center", "不能有所属服务中心"),
        ({"role": Role.AUDITOR, "center": ""}, "organization_name", "须填写所在单位"),
        ({"role": Role.BUREAU}, "center", "不能有所属服务中心"),
        ({"username": "t_bureau"}, "username", "已被使用"),
        ({"mobile": "12345"}, "mobile", "手机号码“12345”无效"),
        ({"email": "not-an-address"}, "email", "电子邮箱“not-an-address”格式不正确"),
    ],
)
def test_a_role_without_its_affiliation_or_with_anothers_is_refused_naming_the_field(
    client, world, overrides, field, message
):
    login_as(client, world.useradmin)
    overrides = {k: (world.jinze_unit.pk if v == "__unit__" else v) for k, v in overrides.items()}
    before = User.objects.count()
    page = client.post(reverse("accounts:user_create"), new_director(world, **overrides))
    assert page.status_code == 200
    assert any(message in e for e in page.context["form"].errors[field]), page.context["form"].errors
    assert message in page.content.decode()
    assert User.objects.count() == before


def test_the_list_filters_masks_mobiles_and_pins_its_query_count(client, world, django_assert_num_queries):
    for i in range(60):
        make_user(f"bulk{i:02d}", Role.DIRECTOR, center=world.jinze, mobile="13912345678")
    login_as(client, world.useradmin)
    url = reverse("accounts:user_list")
    client.get(url)  # warm the session and permission caches of this client
    # session, user, permissions (the user's and their groups', one query), count, the page, its role groups, the reader's own
    # role (header), the filter's two choice lists (the session is not saved: it was moved on less than
    # a minute ago, core.middleware.SessionIdleMiddleware)
    # 10: the account administrator's session is two-factor verified, which costs django-otp one
    # device lookup per request (accounts.security.gate_step).
    with django_assert_num_queries(10):
        page = client.get(url)
    html = page.content.decode()
    assert len(page.context["page"].object_list) == 50
    assert "139****5678" in html and "13912345678" not in html
    filtered = client.get(url, {"role": Role.SUPERVISOR})
    assert [u.username for u in filtered.context["page"].object_list] == ["t_supervisor_jinze"]
    by_center = client.get(url, {"center": world.zhujiajiao.pk})
    assert [u.username for u in by_center.context["page"].object_list] == ["t_director_zjj"]
    world.bureau.is_active = False
    world.bureau.save()
    inactive = client.get(url, {"active": "no"})
    assert [u.username for u in inactive.context["page"].object_list] == ["t_bureau"]
    never = client.get(url, {"last_login": "never", "q": "t_"})
    assert "t_useradmin" not in [u.username for u in never.context["page"].object_list]
    AccessAttempt.objects.create(
        username="t_auditor",
        ip_address="127.0.0.1",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
    )
    locked = client.get(url, {"locked": "yes"})
    assert [u.username for u in locked.context["page"].object_list] == ["t_auditor"]
    assert "已锁定" in locked.content.decode()


def test_edit_refuses_a_stale_version(client, world):
    login_as(client, world.useradmin)
    target = world.director_jinze
    data = new_director(world, username=target.username, full_name="李强", version=target.version)
    assert client.post(reverse("accounts:user_edit", args=[target.pk]), data).status_code == 302
    stale = client.post(reverse("accounts:user_edit", args=[target.pk]), {**data, "full_name": "王五"})
    assert "已被他人修改" in stale.content.decode()
    assert User.objects.get(pk=target.pk).full_name == "李强"


def test_deactivate_reactivate_unlock_and_reset_password(client, world):
    login_as(client, world.useradmin)
    target = world.director_jinze
    client.post(reverse("accounts:user_set_active", args=[target.pk]), {"active": "0"})
    assert not User.objects.get(pk=target.pk).is_active
    client.post(reverse("accounts:user_set_active", args=[target.pk]), {"active": "1"})
    assert User.objects.get(pk=target.pk).is_active
    AccessAttempt.objects.create(
        username=target.username,
        ip_address="127.0.0.1",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
    )
    assert services.is_locked(target)
    client.post(reverse("accounts:user_unlock", args=[target.pk]))
    assert not services.is_locked(target)
    page = client.post(reverse("accounts:user_reset_password", args=[target.pk]))
    password = page.context["issued"][0].password
    target.refresh_from_db()
    assert target.check_password(password) and target.must_change_password
    assert not target.check_password("Test2026password")
    assert User.objects.filter(pk=target.pk).exists()  # never deleted
    actions = set(AuditEntry.objects.filter(object_id=str(target.pk)).values_list("action", flat=True))
    assert {
        "accounts.user.deactivated",
        "accounts.user.reactivated",
        "accounts.user.unlocked",
        "accounts.user.password_reset",
    } <= actions


def test_import_previews_row_errors_and_imports_all_or_nothing(
    client, world, django_capture_on_commit_callbacks
):
    login_as(client, world.useradmin)
    rows = [
        ["new_director", "张一", "", "", "服务中心主任/工作人员", world.jinze.name, "", ""],
        ["new_unit", "张二", "", "", "业务主管单位", "", "不存在的单位", ""],
        ["new_auditor", "张三", "", "", "抽检评估人员", "", "", ""],
        ["t_bureau", "张四", "", "", "区民政局工作人员", "", "", ""],
        ["new_director", "张五", "", "", "账号管理员", "", "", ""],
    ]
    page = client.post(reverse("accounts:user_import"), {"file": upload(xlsx(rows))})
    html = page.content.decode()
    assert "确认导入" not in html
    errors = [str(e) for e in page.context["preview"].errors]
    assert any(e.startswith("第 3 行，“所属业务主管单位”列，值“不存在的单位”") for e in errors), errors
    assert any(e.startswith("第 4 行，“所在单位”列") and "须填写所在单位" in e for e in errors), errors
    assert any(e.startswith("第 5 行，“用户名”列") and "已被使用" in e for e in errors), errors
    assert any(e.startswith("第 6 行，“用户名”列") and "与第 2 行的用户名重复" in e for e in errors), errors
    assert not User.objects.filter(username__startswith="new_").exists()

    good = [
        [
            "new_director",
            "张一",
            "13800001111",
            "a@example.org",
            "服务中心主任/工作人员",
            world.jinze.name,
            "",
            "",
        ],
        ["new_unit", "张二", "", "", "业务主管单位", "", world.jinze_unit.name, ""],
        ["new_auditor", "张三", "", "", "抽检评估人员", "", "", "某评估事务所"],
    ]
    preview = client.post(reverse("accounts:user_import"), {"file": upload(xlsx(good))})
    assert "确认导入" in preview.content.decode()
    assert not User.objects.filter(username__startswith="new_").exists()
    queued = client.post(reverse("accounts:user_import_commit"))
    job = Job.objects.get(kind=importing.USER_IMPORT.kind)
    assert queued["Location"] == reverse("core:job_detail", args=[job.pk])
    run_job(str(job.pk), importing.user_import_work)  # the worker's part, here in-process
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("accounts:user_import_passwords"), {"job": job.pk})
    assert done.status_code == 200 and len(done.context["issued"]) == 3
    director = User.objects.get(username="new_director")
    assert director.role == Role.DIRECTOR and director.center == world.jinze and director.must_change_password
    assert director.check_password(done.context["issued"][0].password)
    assert User.objects.get(username="new_unit").supervising_unit == world.jinze_unit
    assert len(mail.outbox) == 1


def test_template_has_an_instructions_sheet_and_the_export_has_no_passwords(client, world):
    login_as(client, world.useradmin)
    template = load_workbook(io.BytesIO(client.get(reverse("accounts:user_template")).content))
    assert template.sheetnames == ["账号", "填写说明"]
    export = client.get(reverse("accounts:user_export"), {"role": Role.DIRECTOR})
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["用户名", "姓名", "手机号码", "电子邮箱", "角色"]
    assert "密码" not in "".join(str(c) for c in rows[0])
    assert sorted(r[0] for r in rows[1:]) == ["t_director_jinze", "t_director_zjj"]
    assert all("pbkdf2" not in str(c) and "md5" not in str(c) for r in rows for c in r)


@pytest.mark.parametrize("who", ["bureau", "auditadmin", "director_jinze", "supervisor_jinze", "auditor"])
def test_outsiders_get_404_on_every_account_administration_url(client, world, who):
    login_as(client, getattr(world, who))
    get, post = account_urls(world.director_zhujiajiao)
    for url in get:
        assert client.get(url).status_code == 404, url
    before = User.objects.count()
    for url in post:
        assert client.post(url, new_director(world, username="sneaky")).status_code == 404, url
    assert User.objects.count() == before
    assert User.objects.get(pk=world.director_zhujiajiao.pk).is_active


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(reverse("accounts:user_list")).status_code == 302


def test_account_admin_cannot_touch_a_superuser(client, world):
    root = User.objects.create_superuser("root", password="Root2026password!")
    login_as(client, world.useradmin)
    assert client.get(reverse("accounts:user_edit", args=[root.pk])).status_code == 404
    assert client.post(reverse("accounts:user_reset_password", args=[root.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:user_set_active", args=[root.pk]), {"active": "0"}).status_code == 404
    )
    assert "root" not in [
        u.username for u in client.get(reverse("accounts:user_list")).context["page"].object_list
    ]


def test_reset_password_is_emailed_and_ends_sessions_and_tokens(
    client, world, django_capture_on_commit_callbacks
):
    from rest_framework.authtoken.models import Token

    target = world.director_jinze
    target.email = "lq@example.org"
    target.save()
    token = Token.objects.create(user=target)
    own = type(client)()
    login_as(own, target)
    login_as(client, world.useradmin)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("accounts:user_reset_password", args=[target.pk]))
    password = page.context["issued"][0].password
    assert (
        len(mail.outbox) == 1 and mail.outbox[0].to == ["lq@example.org"] and password in mail.outbox[0].body
    )
    assert "已发送至 lq@example.org" in page.content.decode()
    assert not Token.objects.filter(pk=token.pk).exists()
    assert own.get(reverse("centers:center_detail", args=[world.jinze.pk])).status_code == 302


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again at once: nothing listens there


@pytest.mark.parametrize("how", ["reset", "create"])
def test_a_one_time_password_that_could_not_be_emailed_is_never_reported_as_sent(
    client, world, settings, how
):
    """The mail server is unreachable (a real SMTP connection refused): the administrator is told so
    beside the password, and the audit trail records the failed delivery."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 3
    login_as(client, world.useradmin)
    if how == "reset":
        target = world.director_jinze
        target.email = "lq@example.org"
        target.save()
        page = client.post(reverse("accounts:user_reset_password", args=[target.pk]))
    else:
        page = client.post(reverse("accounts:user_create"), new_director(world, email="zm@example.org"))
        target = User.objects.get(username="zhang_jinze")
    text = page.content.decode()
    assert page.status_code == 200 and page.context["issued"][0].password in text
    assert "已发送至" not in text
    assert "邮件未能发送" in text
    failed = AuditEntry.objects.get(action="accounts.user.password_email_failed", object_id=str(target.pk))
    assert failed.outcome == "failed"


def test_the_api_says_whether_the_one_time_password_was_emailed(client, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 3
    target = world.director_jinze
    target.email = "lq@example.org"
    target.save()
    login_as(client, world.useradmin)
    answer = client.post(f"/api/v1/users/{target.pk}/reset-password/")
    assert answer.status_code == 200 and answer.json()["emailed"] is False

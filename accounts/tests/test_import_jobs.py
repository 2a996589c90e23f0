"""The account import as a job (issue 16 §7) with a per-person limit (issue 14 §5). The one-time
passwords are never stored in clear: the job creates the accounts without a usable password, and
the administrator who started it issues and sees them once from the job page."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import importing
from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry, Job, JobMessage
from core.testing import login_as, make_user

from .test_administration import upload, xlsx


def rows(world, n=3, prefix="job_user"):
    out = [[f"{prefix}{i}", f"张{i}", "", "", "抽检评估人员", "", "", "某评估事务所"] for i in range(n)]
    out[0][3] = "first@example.org"
    return out


def start(client, data) -> Job:
    preview = client.post(reverse("accounts:user_import"), {"file": upload(data)})
    assert preview.status_code == 200 and "确认导入" in preview.content.decode()
    response = client.post(reverse("accounts:user_import_commit"))
    job = Job.objects.filter(kind=importing.USER_IMPORT.kind).latest("created_at")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    return job


@pytest.mark.worker
def test_accounts_import_on_the_worker_and_their_passwords_are_shown_once(worker, client, world, job_waiter):
    login_as(client, world.useradmin)
    job = job_waiter(start(client, xlsx(rows(world, 50))), timeout=120)
    assert job.status == "succeeded", job.log
    created = User.objects.filter(username__startswith="job_user")
    assert created.count() == 50 and all(not u.has_usable_password() for u in created)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "显示一次性密码" in page
    shown = client.post(reverse("accounts:user_import_passwords"), {"job": job.pk})
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    issued = shown.context["issued"]
    assert len(issued) == 50
    first = User.objects.get(username="job_user0")
    assert first.must_change_password and first.check_password(issued[0].password)
    assert len(mail.outbox) == 1 and issued[0].password in mail.outbox[0].body
    job.refresh_from_db()
    assert not any(i.password in str(job.result) + job.log for i in issued)  # never stored in clear
    again = client.post(reverse("accounts:user_import_passwords"), {"job": job.pk}, follow=True)
    assert "已显示过" in again.content.decode() and "issued" not in (again.context or {})
    assert AuditEntry.objects.filter(action="accounts.user.created").count() >= 50
    assert AuditEntry.objects.filter(action="accounts.user.imported").count() == 1


@pytest.mark.django_db
def test_only_the_administrator_who_started_the_import_sees_its_passwords(client, world):
    from core.jobs import run_job

    login_as(client, world.useradmin)
    job = start(client, xlsx(rows(world, 2)))
    run_job(str(job.pk), importing.user_import_work)
    other = make_user("t_useradmin2", Role.ACCOUNT_ADMIN)
    login_as(client, other)
    response = client.post(reverse("accounts:user_import_passwords"), {"job": job.pk})
    assert response.status_code == 404
    assert all(not u.has_usable_password() for u in User.objects.filter(username__startswith="job_user"))


@pytest.mark.django_db
def test_a_wrong_row_imports_no_account_and_the_job_names_it(client, world):
    from core.errors import ApplicationError
    from core.jobs import run_job

    login_as(client, world.useradmin)
    data = rows(world, 30)
    data[25][4] = "不存在的角色"
    job = start(client, xlsx(data))
    with pytest.raises(ApplicationError):
        run_job(str(job.pk), importing.user_import_work)
    job.refresh_from_db()
    assert job.status == "failed" and "未导入任何数据" in job.log and "第 27 行，“角色”列" in job.log
    assert not User.objects.filter(username__startswith="job_user").exists()


@pytest.mark.django_db
def test_the_eleventh_account_import_in_ten_minutes_is_refused_and_nothing_queued(client, world):
    login_as(client, world.useradmin)
    for i in range(10):
        start(client, xlsx(rows(world, 1, prefix=f"u{i}_")))
    client.post(reverse("accounts:user_import"), {"file": upload(xlsx(rows(world, 1, prefix="u10_")))})
    refused = client.post(reverse("accounts:user_import_commit"))
    assert refused.status_code == 429
    assert "导入账号过于频繁：10 分钟内最多 10 次，请于" in refused.content.decode()
    assert Job.objects.filter(kind=importing.USER_IMPORT.kind).count() == 10
    assert JobMessage.objects.count() == 10


@pytest.mark.browser
@pytest.mark.worker
def test_in_the_browser_the_import_runs_as_a_job_and_its_page_offers_the_passwords(
    page, live_server, login, demo, worker, tmp_path
):
    """Upload, preview, 确认导入; the job page's live region counts the rows; when the job ends the page
    offers 显示一次性密码, which shows them once."""
    import re

    from playwright.sync_api import expect

    sheet = tmp_path / "账号.xlsx"
    sheet.write_bytes(
        xlsx(
            [[f"browser_user{i}", f"李{i}", "", "", "抽检评估人员", "", "", "某评估事务所"] for i in range(5)]
        )
    )
    from core.testing import enrol_two_factor

    enrol_two_factor(User.objects.get(username="useradmin"))  # as after the first-login enrolment
    login(page, "useradmin")
    page.goto(f"{live_server.url}{reverse('accounts:user_import')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("批量导入账号")
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-preview")).to_contain_text("browser_user4")
    page.get_by_role("button", name="确认导入").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    expect(page.get_by_role("status").filter(has_text="状态")).to_contain_text(
        "已处理 5 / 5 行", timeout=60_000
    )
    page.get_by_role("button", name="显示一次性密码").click(timeout=30_000)
    expect(page.get_by_test_id("one-time-password")).to_have_count(5)
    assert User.objects.filter(username__startswith="browser_user").count() == 5

"""Each role logs in through a real browser and sees its home page in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = [pytest.mark.browser]

HOME_HEADINGS = {
    "bureau": "区民政局工作台",
    "director_zhujiajiao": "我的服务中心",
    "director_jinze": "我的服务中心",
    "supervisor_zhujiajiao": "业务主管单位工作台",
    "auditor1": "我的抽检任务",
    "useradmin": "账号管理员工作台",
    "auditadmin": "审计管理员工作台",
    "supervisor_jinze": "业务主管单位工作台",
    "admin": "区民政局工作台",
}


@pytest.mark.parametrize("username", list(HOME_HEADINGS))
def test_each_demo_account_logs_in_and_sees_its_chinese_home(page, live_server, login, demo, username):
    from accounts.security import two_factor_required
    from core.testing import enrol_two_factor

    if two_factor_required(User.objects.get(username=username)):
        enrol_two_factor(User.objects.get(username=username))  # as after their first-login enrolment
    login(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[username])
    user = User.objects.get(username=username)
    expect(page.get_by_test_id("user-name")).to_have_text(user.display_name)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    if username == "director_jinze":
        expect(page.get_by_text("青浦区金泽镇社会组织服务中心").first).to_be_visible()
    # keyboard users reach the content first through the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()


def test_wrong_password_shows_chinese_error(page, live_server, login, demo):
    login(page, "bureau", "not-the-Password1")
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")


def test_job_page_shows_progress_until_the_pdf_is_ready(page, live_server, login, demo, worker):
    login(page, "bureau")
    page.get_by_role("button", name="生成测试 PDF").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    expect(page.get_by_role("link", name="下载结果文件")).to_be_visible()


def test_confirmations_work_under_the_csp_and_no_script_is_refused(page, live_server, login, demo):
    """The confirmations moved from inline handlers to portal.js: dismissing one sends nothing,
    accepting sends the form; the browser reports no Content-Security-Policy violation."""
    from evaluations.choices import CycleState
    from evaluations.models import Cycle

    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    cycle = Cycle.objects.filter(state=CycleState.PUBLICITY).order_by("-year").first()
    login(page, "bureau")
    page.goto(f"{live_server.url}/evaluations/cycles/{cycle.pk}/draw/")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="按存档条件重新抽样复核").click()
    expect(page.get_by_test_id("draw-verification")).to_contain_text("与存档结果一致")
    assert questions == []  # this button asks nothing: it re-checks and records, it changes no data
    from core.models import Job

    jobs_before = Job.objects.count()
    page.goto(f"{live_server.url}/reports/")
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=re.compile("重新生成")).first.click()
    expect(page).to_have_url(re.compile(r"/reports/$"))
    assert questions and "重新生成" in questions[0]
    assert Job.objects.count() == jobs_before  # dismissed: nothing was queued
    assert violations == []

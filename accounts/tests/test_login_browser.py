"""First login in a real browser: the one-time password, the forced change, then the home page with
the notice of the previous login and the failures before it."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from core.testing import TEST_PASSWORD, make_user

pytestmark = [pytest.mark.browser]


def test_first_login_forces_a_change_then_home_shows_the_login_notice(page, live_server, login):
    make_user("firsttimer", Role.BUREAU, must_change_password=True, full_name="王小明")
    login(page, "firsttimer", "Not-the-password-1")
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")

    login(page, "firsttimer", TEST_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/accounts/password/?next=%2F")
    expect(page.get_by_test_id("password-change-reason")).to_contain_text("首次登录或密码已被管理员重置")
    page.goto(f"{live_server.url}/centers/overview/")  # nothing else works meanwhile
    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/password/?next=%2F")

    page.get_by_label("旧密码").fill(TEST_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(TEST_PASSWORD)  # the one just used: refused
    page.get_by_label("新密码确认").fill(TEST_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("alert").filter(has_text="最近 5 次")).to_be_visible()

    page.get_by_label("旧密码").fill(TEST_PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Wang-Xiaoming-2026")
    page.get_by_label("新密码确认").fill("Wang-Xiaoming-2026")
    page.get_by_role("button", name="保存新密码").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("区民政局工作台")
    notice = page.get_by_test_id("login-notice")
    expect(notice).to_contain_text("这是您首次登录本门户")
    expect(notice).to_contain_text("此前有 1 次登录失败")
    user = User.objects.get(username="firsttimer")
    assert user.must_change_password is False and user.check_password("Wang-Xiaoming-2026")

"""The working aids in Chromium with JavaScript switched off (issue 15 §5): a supervising unit passes the
ticked filings of its list after a confirmation page with a comment; the bureau accepts one filing
after its confirmation page; the director reads both comments in the notices."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


@pytest.fixture
def submitted(transactional_db, demo):
    """The demo's 2026 opened and 朱家角镇's filing completed and submitted (through the services)."""
    from accounts.models import User
    from core.jobs import run_job
    from evaluations import services
    from evaluations.models import Cycle, Filing

    from .conftest import TODAY, complete_filing

    bureau = User.objects.get(username="bureau")
    cycle = Cycle.objects.get(year=2026)
    run_job(str(services.cycle_open(cycle=cycle, actor=bureau, enqueue=False).pk), services.cycle_open_work)
    filing = Filing.objects.get(cycle=cycle, center__name__contains="朱家角")
    director = User.objects.get(username="director_zhujiajiao")
    filing = complete_filing(filing, director)
    services.filing_submit(filing=filing, actor=director, today=TODAY)
    return filing


def test_review_and_accept_without_javascript_with_comments(
    live_server, submitted, browser, browser_context_args, login
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(60_000)
    base = live_server.url
    try:
        login(page, "supervisor_zhujiajiao")
        page.goto(f"{base}/evaluations/reviews/")
        page.get_by_label(re.compile("选择青浦区朱家角镇社会组织服务中心 2026 年度")).check()
        page.get_by_role("button", name="初审通过所选…").click()
        expect(page.get_by_test_id("batch-items")).to_contain_text("朱家角镇")
        page.get_by_label("意见（选填，发给每个中心）").fill("台账齐全，同意报送")
        page.get_by_role("button", name="确认初审通过这 1 份").click()
        expect(page.locator(".messages")).to_contain_text("已初审通过 1 份填报")

        context.clear_cookies()
        login(page, "bureau")
        page.goto(f"{base}/evaluations/filings/{submitted.pk}/")
        page.get_by_role("link", name="受理…").click()
        page.get_by_label("意见（选填）").fill("同意受理")
        page.get_by_role("button", name="确认受理").click()
        expect(page.get_by_test_id("filing-state")).to_have_text("已受理")
        expect(page.locator("details", has_text="操作记录")).to_contain_text("意见：同意受理")

        context.clear_cookies()
        login(page, "director_zhujiajiao")
        page.goto(f"{base}/evaluations/notifications/")
        expect(page.locator("main")).to_contain_text("台账齐全，同意报送")
        expect(page.locator("main")).to_contain_text("同意受理")
    finally:
        context.close()

"""The bureau sees the demo data's compliance in a real browser (headless Chromium)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_bureau_sees_district_overview_with_demo_compliance_and_drills_down(page, live_server, login, demo):
    login(page, "bureau")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="全区概览", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("社会组织服务中心建设达标概览")
    table = page.get_by_test_id("compliance-overview")
    # 1 district + 11 street/town + 2 industry centers of the demo data
    expect(table.locator("tbody tr")).to_have_count(14)
    expect(page.get_by_test_id("cover")).to_contain_text("全区 11 个街镇均已建成运行服务中心")
    # a realistic mix: some rules met, some not — shown with text, not colour alone
    expect(table.locator(".status-met").first).to_contain_text("达标")
    expect(table.locator(".status-not_met").first).to_contain_text("未达标")
    # 夏阳街道's venue is under 200 m² in the demo data
    xiayang = table.locator("tr", has_text="夏阳街道")
    expect(xiayang.locator(".status-not_met").first).to_be_visible()
    # filter by level
    page.get_by_label("层级").select_option("industry")
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    # drill down to a center page with the explanation in numbers
    page.get_by_label("层级").select_option("")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="青浦区夏阳街道社会组织服务中心").click()
    expect(page).to_have_url(re.compile(r"/centers/\d+/"))
    compliance = page.get_by_test_id("compliance")
    expect(compliance.locator("tr", has_text="R-VENUE-1")).to_contain_text("应不少于 200 平方米")
    expect(compliance.locator("tr", has_text="R-STAFF-2")).to_contain_text("辖区社会组织")

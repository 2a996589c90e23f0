"""Browser: a director adds a full-time employee and the center's compliance changes accordingly."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from centers.rules import evaluate_center
from staffing.choices import StaffKind
from staffing.models import StaffMember
from staffing.selectors import staffing_figures

from .factories import member

pytestmark = [pytest.mark.browser]


def _staff_rule(center):
    return next(r for r in evaluate_center(center, timezone.localdate().year) if r.rule == "R-STAFF-2")


def test_director_adds_a_full_time_employee_and_compliance_changes(page, live_server, login, demo):
    director = User.objects.get(username="director_jinze")
    center = director.center
    rule = _staff_rule(center)
    required, has = rule.figures["required"], rule.figures["full_time"]
    # bring the roster to one short of the requirement, so that the browser's addition meets it
    for i in range(required - has - 1):
        member(center, StaffKind.FULL_TIME, name=f"补充专职{i}", start_date=date(2025, 1, 1))
    assert _staff_rule(center).status == "not_met"

    login(page, "director_jinze")
    page.goto(f"{live_server.url}/centers/{center.pk}/")
    row = page.get_by_test_id("compliance").get_by_role("row").filter(has_text="R-STAFF-2")
    expect(row).to_contain_text("未达标")
    expect(row).to_contain_text(f"实有 {required - 1} 名")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员名册").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("人员名册")
    page.get_by_role("link", name="新增人员").click()
    page.get_by_label("姓名").fill("许晓雯")
    page.get_by_label("性别").select_option(label="女")
    page.get_by_label("人员类别").select_option(label="专职")
    page.get_by_label(re.compile(r"^岗位")).select_option(label="项目")
    page.get_by_label("入职日期").fill(f"{timezone.localdate().year}-01-05")
    page.get_by_label("社区工作者岗位等级").fill("三岗3级")
    page.get_by_label("月薪酬（元）").fill("7200")
    page.get_by_label("联系电话").fill("13761234567")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已将许晓雯加入人员名册")
    expect(page.get_by_test_id("full-time-count")).to_contain_text(f"{required} 名")
    expect(
        page.get_by_role("cell", name="137****4567").or_(page.get_by_role("cell", name="13761234567"))
    ).to_be_visible()

    page.goto(f"{live_server.url}/centers/{center.pk}/")
    row = page.get_by_test_id("compliance").get_by_role("row").filter(has_text="R-STAFF-2")
    expect(row).not_to_contain_text("未达标")
    expect(row).to_contain_text(f"实有 {required} 名")
    assert StaffMember.objects.get(name="许晓雯").center == center
    assert staffing_figures([center], timezone.localdate())[center.pk].full_time == required


def test_director_sees_the_chinese_error_for_a_volunteer_with_salary(page, live_server, login, demo):
    login(page, "director_zhujiajiao")
    center = User.objects.get(username="director_zhujiajiao").center
    page.goto(f"{live_server.url}/staffing/centers/{center.pk}/roster/add/")
    page.get_by_label("姓名").fill("赵志愿")
    page.get_by_label("人员类别").select_option(label="志愿者")
    page.get_by_label("入职日期").fill("2026-01-05")
    page.get_by_label("月薪酬（元）").fill("800")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile("志愿者不支薪"))).to_be_visible()
    assert not StaffMember.objects.filter(name="赵志愿").exists()

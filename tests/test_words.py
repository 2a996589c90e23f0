"""The office's own language and the pages' structure (issue 15 §1, §6–§8): cheap checks of the
vocabulary and of what the crawler (tests/test_crawler.py) cannot see on GET pages."""

from __future__ import annotations

import re

import pytest

from core import vocabulary


def test_booleans_states_and_values_read_as_words():
    assert vocabulary.yes_no(True) == "是" and vocabulary.yes_no(False) == "否"
    assert vocabulary.value_text(None) == "—"
    assert vocabulary.value_text({"full_time": 5, "is_independent": True}) == "专职：5；独立：是"
    assert vocabulary.value_text(["甲", "乙"]) == "甲、乙"
    assert vocabulary.state_label("spot_check") == "抽检中"
    assert vocabulary.state_label("not_met") == "未达标"


def test_rules_figures_and_formulas_are_named():
    assert vocabulary.rule_text("R-FUND-2") == "基本运作经费保障（R-FUND-2）"
    assert vocabulary.name_rules("R-FUND-2 达标") == "基本运作经费保障（R-FUND-2） 达标"
    assert vocabulary.figure_text("trainings_held", 6) == "举办培训 6 场次"
    assert (
        vocabulary.explanation_text("work_plan = 1，满分要求 1 → 3.0/3.0")
        == "年度工作计划及实施方案 1 份，满分要求 1 份 → 3.0/3.0"
    )
    assert vocabulary.formula_text({"kind": "figure", "figure": "trainings_held", "full_at": 4}) == (
        "按“举办培训”计：达到 4 场次得满分，不足按比例计分（按 0.5 分向下取整）"
    )
    text = vocabulary.formula_text({"kind": "rule", "rule": "R-STAFF-2"})
    assert text.startswith("按政策要求“街镇中心专职人员配备”（R-STAFF-2）自动判定") and "{" not in text
    assert (
        vocabulary.algorithm_text("ceil-share-random-sample-v1")
        == "旧版随机抽取（第 1 版，2026 年以前的存档）"
    )
    assert vocabulary.algorithm_text("sha256-order-v2") == "按 SHA-256 值排序抽取（第 2 版）"


def test_technical_failures_read_as_chinese():
    assert vocabulary.technical_failure("database is locked") == "数据库繁忙，已自动重试"
    assert vocabulary.readable_log("开始执行\nOperationalError: database is locked") == (
        "开始执行\n数据库繁忙，已自动重试"
    )


@pytest.mark.django_db
def test_an_audit_entry_is_a_sentence(demo):
    from accounts.models import User
    from core.models import AuditEntry

    actor = User.objects.get(username="bureau")
    entry = AuditEntry(
        action="evaluations.cycle.state_changed",
        actor=actor,
        object_repr="2026 年度考评",
        data={"before": "spot_check", "after": "scoring"},
    )
    assert (
        vocabulary.action_sentence(entry) == f"{actor.display_name} 将“2026 年度考评”从“抽检中”推进到“计分中”"
    )
    entry.action, entry.data = "evaluations.cycle.published", {"version": 1}
    assert vocabulary.action_sentence(entry) == f"{actor.display_name} 公布了“2026 年度考评”"


@pytest.mark.django_db
def test_a_change_history_shows_yes_and_no(demo, client):
    """实行理事会领导下的主任负责制：否 → 是, never False → True."""
    from accounts.models import User
    from centers.models import ServiceCenter

    center = ServiceCenter.objects.filter(director_under_board=False).first() or ServiceCenter.objects.first()
    center.director_under_board = not center.director_under_board
    center.save()
    client.force_login(User.objects.get(username="bureau"))
    html = client.get(f"/centers/{center.pk}/history/").content.decode()  # 变更记录
    assert "False" not in html and "True" not in html
    assert re.search(r"实行理事会领导下的主任负责制：[是否] → [是否]", html)


@pytest.mark.django_db
def test_a_duplicate_credit_code_is_refused_in_the_portals_words(demo, client):
    from accounts.models import User
    from centers.models import SocialOrganization

    existing = SocialOrganization.objects.exclude(street_town=None).first()
    client.force_login(User.objects.get(username="bureau"))
    response = client.post(
        "/api/v1/social-organizations/",
        {
            "name": "重复的社会组织",
            "credit_code": existing.credit_code,
            "kind": existing.kind,
            "registered_on": existing.registered_on.isoformat(),
            "street_town": existing.street_town_id,
            "industry": existing.industry,
            "status": existing.status,
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    messages = body["fields"].get("credit_code")
    assert messages == ["已有统一社会信用代码相同的社会组织，请核对统一社会信用代码后重新填写。"], body


@pytest.mark.django_db
def test_a_form_with_errors_names_ids_that_exist_and_the_page_is_chinese(client):
    """Hints and errors are read with their field: every aria-describedby id exists (a POST with
    errors, which the crawler's GETs never see); the page is zh-Hans for an English browser too."""
    from accounts.roles import Role
    from core.testing import make_user

    client.force_login(make_user("bureau_words", Role.BUREAU))
    response = client.post("/accounts/password/", {}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'role="alert"' in html
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    refs = {ref for value in re.findall(r'aria-describedby="([^"]+)"', html) for ref in value.split()}
    assert refs and refs <= ids, refs - ids
    assert any(ref.endswith("_error") for ref in refs)
    assert '<html lang="zh-Hans">' in html
    assert re.search(r"<title>修改密码 - [^<]+</title>", html)


@pytest.mark.django_db
def test_the_layout_declares_webkit_and_a_favicon(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<meta name="renderer" content="webkit">' in html
    favicon = re.search(r'<link rel="icon" href="([^"]+\.svg)"', html).group(1)
    assert client.get(favicon).status_code == 200
    assert re.search(r"<title>登录 - [^<]+</title>", html) and '<html lang="zh-Hans">' in html
    assert "用户名" in html and "Username" not in html


def test_the_focus_outline_has_three_to_one_contrast_on_white():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/portal/portal.css").read_text()
    colour = re.search(r"a:focus,[^{]*\{\s*outline:\s*\d+px solid (#[0-9a-fA-F]{6})", css).group(1)

    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert (1.05) / (luminance(colour) + 0.05) >= 3


def test_chart_ticks_are_whole_numbers_evenly_spaced():
    """The summary chart's axis read 0, 2, 4, 7, 9: now 0, 2, 4, 6, 8, 10."""
    from reports.charts import bar_chart, whole_ticks

    assert whole_ticks(9) == [0, 2, 4, 6, 8, 10]
    assert whole_ticks(3) == [0, 1, 2, 3]
    assert whole_ticks(100) == [0, 20, 40, 60, 80, 100]
    svg = bar_chart([("甲", 9), ("乙", 3)])
    ticks = [int(t) for t in re.findall(r'text-anchor="end" fill="#444">(\d+)</text>', svg)]
    assert ticks == [0, 2, 4, 6, 8, 10]


def test_every_export_has_a_frozen_bold_header_column_widths_and_a_chinese_sheet_name():
    import io

    from openpyxl import load_workbook

    from core.spreadsheets import workbook_bytes

    content = workbook_bytes(
        [("人员名册/2026", [["姓名", "所属服务中心"], ["陈洁", "青浦区朱家角镇社会组织服务中心"]])]
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "人员名册－2026"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width >= 30  # 15 Chinese characters, two units each


@pytest.mark.django_db
def test_the_bureau_and_a_unit_see_days_left_who_has_not_submitted_and_what_waits(demo, client):
    from accounts.models import User
    from core.jobs import run_job
    from evaluations import services
    from evaluations.choices import EDITABLE_FILING_STATES, CycleState, FilingState
    from evaluations.models import Cycle, Filing

    bureau = User.objects.get(username="bureau")
    cycle = Cycle.objects.get(year=2026)  # the demo's draft year, opened as the bureau would
    run_job(str(services.cycle_open(cycle=cycle, actor=bureau, enqueue=False).pk), services.cycle_open_work)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OPEN
    missing = Filing.objects.filter(cycle=cycle, state__in=EDITABLE_FILING_STATES)
    client.force_login(User.objects.get(username="bureau"))
    html = client.get("/").content.decode()
    assert re.search(r"距填报截止还有 <strong>\d+</strong> 天|填报截止|填报已于", html)
    for filing in missing:
        assert filing.center.name in html
    waiting = Filing.objects.filter(cycle=cycle, state=FilingState.REVIEWED).count()
    assert f"待受理：<strong>{waiting}</strong> 份" in html

    unit_user = User.objects.get(username="supervisor_zhujiajiao")
    client.force_login(unit_user)
    html = client.get("/").content.decode()
    listed = re.search(r'<ul data-testid="not-submitted">(.*?)</ul>', html, re.S)
    own = missing.filter(center__supervising_unit=unit_user.supervising_unit)
    others = missing.exclude(center__supervising_unit=unit_user.supervising_unit)
    assert "待初审：" in html
    for filing in own:
        assert filing.center.name in listed.group(1)
    for filing in others:
        assert filing.center.name not in html

"""A whole evaluation year in a real browser, on the demo data and a real worker (issue 5, "Done when"):
the bureau opens 2026; two directors file and self-assess; the supervising unit reviews; the bureau
returns one, it is fixed and accepted; the draw with a given seed picks the same centers when re-run;
the auditor scores; the scoring job finishes; the results page shows ranks, a gap finding and the
performance-total table."""

import re

import pytest
from playwright.sync_api import expect

from evaluations.draw import draw_sample
from evaluations.models import Cycle, Draw, Filing
from evaluations.models.filing import FILING_FIGURES

from .conftest import PDF

pytestmark = [pytest.mark.browser]

JOB_TIMEOUT = 180_000


@pytest.fixture
def as_user(browser, browser_context_args, live_server, login):
    contexts = []

    def _as(username):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of destructive actions
        login(page, username)
        return page

    yield _as
    for context in contexts:
        context.close()


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _file_and_self_assess(page, base, filing):
    page.goto(f"{base}/evaluations/my/")
    page.locator(f"a[href='/evaluations/filings/{filing.pk}/']").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("未上传年度工作计划")
    page.get_by_role("link", name="填写年度数据与工作计划").click()
    # The figures come from the registers (a number typed without a note is refused, and with one
    # it replaces the register's count): the director only checks them and uploads the work plan.
    expect(page.get_by_test_id("figures")).to_contain_text(str(FILING_FIGURES[0][1]))
    page.get_by_label("年度工作计划及实施方案（R-EFF-1）").set_input_files(_pdf("2026年度工作计划.pdf"))
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("填报数据已保存")
    page.get_by_role("link", name="自评与佐证材料").click()
    for field in page.locator("input.score-input").all():
        field.fill(field.get_attribute("max"))
    page.get_by_role("button", name="保存自评分").click()
    expect(page.locator(".messages")).to_contain_text("自评分已保存")
    for code in ("B2", "E2", "G2", "H1", "H3"):
        page.locator(f"#file-{code}").set_input_files(_pdf(f"{code}佐证.pdf"))
        page.locator(f"#file-{code} ~ button").click()  # the upload button beside the file input
        expect(page.locator(".messages")).to_contain_text(f"已上传 {code} 的佐证材料")
    page.get_by_role("link", name="返回填报").click()
    expect(page.get_by_text("各项已齐全，可以提交。")).to_be_visible()
    page.get_by_role("button", name="提交年度填报").click()
    expect(page.get_by_test_id("filing-state")).to_have_text("已提交，待初审")


def test_a_whole_evaluation_year_in_the_browser(live_server, demo, worker, as_user):
    base = live_server.url
    # 1. the bureau opens 2026 (a job on the worker creates the filings)
    bureau = as_user("bureau")
    bureau.goto(f"{base}/evaluations/")
    bureau.get_by_role("link", name=re.compile("2026 年度")).click()
    bureau.get_by_role("button", name="开启 2026 年度考评").click()
    expect(bureau.locator("[data-job-status]")).to_have_text("已完成", timeout=JOB_TIMEOUT)
    cycle = Cycle.objects.get(year=2026)
    assert Filing.objects.filter(cycle=cycle).count() == 11

    # 2. two directors file and self-assess
    zjj_filing = Filing.objects.get(cycle=cycle, center__name__contains="朱家角")
    jz_filing = Filing.objects.get(cycle=cycle, center__name__contains="金泽")
    zjj = as_user("director_zhujiajiao")
    _file_and_self_assess(zjj, base, zjj_filing)
    jinze = as_user("director_jinze")
    _file_and_self_assess(jinze, base, jz_filing)

    # 3. the supervising unit reviews its center's filing
    supervisor = as_user("supervisor_zhujiajiao")
    supervisor.goto(f"{base}/evaluations/reviews/")
    supervisor.get_by_role("link", name=re.compile("朱家角镇")).click()
    supervisor.get_by_role("link", name="初审通过…").click()  # a confirmation page with a comment
    supervisor.get_by_label("意见（选填）").fill("材料齐全，同意报送")
    supervisor.get_by_role("button", name="确认初审通过").click()
    expect(supervisor.get_by_test_id("filing-state")).to_have_text("已初审，待受理")

    # 4. the bureau returns it with a reason at the field concerned; the director fixes it; accepted
    bureau.goto(f"{base}/evaluations/filings/{zjj_filing.pk}/")
    bureau.locator("summary", has_text="退回修改").click()
    bureau.get_by_label("退回原因（必填）").fill("培训场次与签到表不一致，请核实")
    bureau.locator("summary", has_text="逐项标注问题").click()
    bureau.get_by_label("举办培训（场次）").fill("签到表只有 4 场")
    bureau.get_by_role("button", name="退回修改", exact=True).click()
    expect(bureau.get_by_test_id("filing-state")).to_have_text("已退回修改")
    zjj.goto(f"{base}/evaluations/filings/{zjj_filing.pk}/")
    expect(zjj.get_by_test_id("return-notice")).to_contain_text("培训场次与签到表不一致")
    expect(zjj.get_by_text("退回原因：签到表只有 4 场")).to_be_visible()
    zjj.get_by_role("link", name="填写年度数据与工作计划").click()
    zjj.get_by_label("举办培训（场次）", exact=True).fill("4")
    zjj.get_by_label("举办培训（场次）：手工填写的说明").fill(
        "按签到表核实为 4 场"
    )  # a typed figure needs it
    zjj.get_by_role("button", name="保存", exact=True).click()
    zjj.get_by_role("button", name="提交年度填报").click()
    expect(zjj.get_by_test_id("filing-state")).to_have_text("已提交，待初审")
    supervisor.goto(f"{base}/evaluations/filings/{zjj_filing.pk}/")
    supervisor.get_by_role("link", name="初审通过…").click()
    supervisor.get_by_role("button", name="确认初审通过").click()
    for filing in (zjj_filing, jz_filing):
        bureau.goto(f"{base}/evaluations/filings/{filing.pk}/")
        if filing == jz_filing:  # no demo user for 金泽镇's supervising unit: the bureau reviews too
            bureau.get_by_role("link", name="初审通过…").click()
            bureau.get_by_role("button", name="确认初审通过").click()
        bureau.get_by_role("link", name="受理…").click()
        bureau.get_by_role("button", name="确认受理").click()
        expect(bureau.get_by_test_id("filing-state")).to_have_text("已受理")
    zjj.goto(f"{base}/evaluations/filings/{zjj_filing.pk}/")
    expect(zjj.get_by_role("heading", name="退回记录")).to_be_visible()

    # 5. spot check: the draw with the committed seed, re-run from the stored inputs, matches
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/")
    bureau.get_by_role("link", name="结束填报，进入抽检").click()
    expect(bureau.get_by_test_id("unsubmitted")).to_contain_text("练塘镇")
    bureau.get_by_label(re.compile("提前结束的原因|说明")).fill("区局统一安排抽检")
    bureau.get_by_role("button", name="确认结束填报，进入抽检").click()
    expect(bureau.get_by_test_id("cycle-state")).to_have_text("抽检中")
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/draw/")
    bureau.get_by_role("checkbox", name=re.compile("朱家角镇")).check()
    bureau.get_by_role("button", name="抽样", exact=True).click()
    expect(bureau.locator(".messages")).to_contain_text("抽样完成：抽中 4 个中心")
    drawn = bureau.get_by_test_id("draw-result").locator("li").all_inner_texts()
    bureau.get_by_role("button", name="按存档条件重新抽样复核").click()
    expect(bureau.get_by_test_id("draw-verification")).to_contain_text("与存档结果一致")
    draw = Draw.objects.get(cycle=cycle)
    rerun = draw_sample(
        population=draw.population,
        seed=draw.seed,
        numerator=1,
        denominator=3,
        must_include=[zjj_filing.center_id],
        excluded=[],
    )
    names = {c["id"]: c["name"] for c in draw.population}
    assert drawn == [names[c] for c in rerun]

    # 6. auditors assigned; the auditor scores and submits
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/assignments/")
    for _ in range(4):
        bureau.locator("tr", has_text="未分配").first.get_by_role("button", name="分配").click()
        expect(bureau.locator(".messages")).to_contain_text("已分配评估人员")
    auditor = as_user("auditor1")
    auditor.goto(f"{base}/evaluations/assignments/mine/")
    rows = auditor.locator("tbody tr").all()
    hrefs = [
        row.locator("a").get_attribute("href")
        for row in rows
        if row.locator("td").first.inner_text().strip() == "2026"
    ]
    assert len(hrefs) == 4
    for href in hrefs:
        auditor.goto(f"{base}{href}")
        strict = "朱家角" in auditor.get_by_role("heading", level=1).inner_text()
        for field in auditor.locator("input.score-input").all():
            field.fill("0" if strict else field.get_attribute("max"))
        for select in auditor.locator("select[name^=confirmed_]").all():
            select.select_option("true")
        auditor.get_by_role("button", name="保存并提交").click()
        expect(auditor.get_by_test_id("assignment-state")).to_contain_text("已提交并锁定")

    # 7. the scoring job finishes; the results show ranks, the gap finding and the performance table
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/")
    bureau.get_by_role("button", name="抽检完成，进入计分").click()
    expect(bureau.get_by_test_id("cycle-state")).to_have_text("计分中")
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    bureau.get_by_role("button", name="计算最终结果").click()
    expect(bureau.locator("[data-job-status]")).to_have_text("已完成", timeout=JOB_TIMEOUT)
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    table = bureau.get_by_test_id("results-table")
    expect(table).to_contain_text("街镇民政工作绩效考核计分表")
    expect(table.locator("tbody tr")).to_have_count(11)
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text("1")
    expect(table.locator("tr", has_text="朱家角镇").locator(".finding")).to_contain_text("超过容差 10 分")
    bureau.get_by_role("button", name="公布结果").click()
    expect(bureau.locator(".messages")).to_contain_text("公示中")  # publishing opens the publicity period
    zjj.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    expect(zjj.get_by_test_id("results-table").locator("tbody tr")).to_have_count(1)

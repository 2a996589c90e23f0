"""Issue 13's "Done when", in a real browser on the demo data with the real worker: a year is
published and 公示 opens; one review request is upheld (调整: a new revision, new reports, the old ones
superseded) and one rejected (维持); one rectification item is filed by the director, reviewed by the
supervising unit and closed by the bureau; a center that never submitted reads 未提交 on the pages,
in its PDF report (pdftotext), in the Excel export (openpyxl) and on the public list — never 0.00."""

import io
import re
import subprocess
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from core.models import Job
from evaluations.choices import CycleState, FilingState
from evaluations.models import AuditScore, Cycle, Filing, Rectification, ResultSet, ReviewRequest
from evaluations.tests.conftest import PDF
from evaluations.tests.test_browser_cycle import as_user  # noqa: F401  (the fixture, shared)
from reports.models import ReportDocument

pytestmark = [pytest.mark.browser]

UNSUBMITTED = "青浦区练塘镇社会组织服务中心"
ADJUSTED = "青浦区朱家角镇社会组织服务中心"


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _all_jobs_done(timeout=120):
    """Wait until the worker has finished every job (results and the report renders they queue)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [j for j in Job.objects.all() if not j.is_finished]
        if not running:
            return
        time.sleep(0.3)
    raise AssertionError(f"jobs still running after {timeout} s: {[(j.label, j.progress) for j in running]}")


def _review_request(page, base, reasons):
    page.goto(f"{base}/evaluations/review-requests/")
    page.get_by_label("复核理由").fill(reasons)
    page.get_by_label("佐证材料").set_input_files(_pdf("台账.pdf"))
    page.get_by_role("button", name="提交复核申请").click()
    expect(page.get_by_test_id("review-state")).to_have_text("待区民政局决定")


def _rectification_step(page, base, item, fill, button, state):
    page.goto(f"{base}/evaluations/rectifications/{item.pk}/")
    fill(page)
    page.get_by_role("button", name=button).click()
    expect(page.get_by_test_id("rectification-state")).to_have_text(state)


def test_a_year_with_publicity_two_review_requests_a_rectification_and_an_unsubmitted_center(
    demo,
    worker,
    as_user,  # noqa: F811
    live_server,
    browser,
    browser_context_args,
    job_waiter,
    pdf_tools,
):
    base = live_server.url
    cycle = Cycle.objects.get(year=2025)
    # The demo year back to before publication, with 练塘 never having submitted its filing.
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.SCORING, publicity_ends_on=None)
    ResultSet.objects.filter(cycle=cycle).update(is_published=False, published_at=None)
    Filing.objects.filter(cycle=cycle, center__name=UNSUBMITTED).update(
        state=FilingState.DRAFT, self_total=None, submitted_at=None, snapshot={}
    )
    old_reports = {
        d.center.name: d.pk for d in ReportDocument.objects.filter(kind="center_report", cycle=cycle)
    }

    # 1. the bureau computes the results again (the worker) and publishes: 公示 opens
    bureau = as_user("bureau")
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    bureau.get_by_role("button", name="重新计算结果").click()
    expect(bureau.locator("[data-job-status]")).to_have_text("已完成", timeout=90_000)
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    bureau.get_by_role("button", name="公布结果").click()
    expect(bureau.get_by_test_id("publicity-banner")).to_contain_text("公示中（公示稿）")
    row = bureau.get_by_test_id("results-table").get_by_role("row").filter(has_text=UNSUBMITTED)
    expect(row).to_contain_text("未提交")
    expect(row).not_to_contain_text("0.00")

    # 2. two directors file review requests during the publicity period
    zjj = as_user("director_zhujiajiao")
    _review_request(zjj, base, "B 类指标抽检分偏低，签到台账齐全")
    jinze = as_user("director_jinze")
    _review_request(jinze, base, "希望重新核对金泽镇的得分")
    upheld = ReviewRequest.objects.get(cycle=cycle, center__name=ADJUSTED)
    rejected = ReviewRequest.objects.exclude(pk=upheld.pk).get(cycle=cycle)

    # 3. the bureau rejects one (维持) ...
    bureau.goto(f"{base}/evaluations/review-requests/{rejected.pk}/")
    bureau.get_by_label("复核决定", exact=True).select_option(label="维持原结果")
    bureau.get_by_label("决定理由", exact=True).fill("经核对，评分依据充分，维持原结果")
    bureau.get_by_role("button", name="提交决定").click()
    expect(bureau.get_by_test_id("review-state")).to_have_text("维持原结果")
    # ... and upholds the other (调整: a spot-check score corrected, a new revision on the worker)
    score = (
        AuditScore.objects.filter(
            filing__cycle=cycle, filing__center__name=ADJUSTED, indicator__method="scored"
        )
        .select_related("indicator")
        .order_by("indicator__category__sort_order", "indicator__sort_order")
        .first()
    )
    bureau.goto(f"{base}/evaluations/review-requests/{upheld.pk}/")
    bureau.get_by_label("复核决定", exact=True).select_option(label="调整结果")
    bureau.get_by_label("决定理由", exact=True).fill("台账核实，改正抽检分")
    bureau.get_by_label(f"{score.indicator.code} {score.indicator.name}").fill(str(score.score + 1))
    bureau.get_by_role("button", name="提交决定").click()
    upheld.refresh_from_db()
    rejected.refresh_from_db()
    assert (upheld.state, upheld.revision, rejected.state) == ("adjusted", 2, "maintained")
    # 4. a rectification item: the director files, the supervising unit approves, the bureau closes
    item = Rectification.objects.filter(cycle=cycle, center__name=ADJUSTED, kind="rule", state="open").first()
    zjj.goto(f"{base}/evaluations/rectifications/")
    expect(zjj.locator("body")).to_contain_text(item.finding[:20])

    def report(page):
        page.get_by_label("整改报告", exact=True).fill("已发展 3 家社会组织建立联合党支部，覆盖率提高到 88%")
        page.get_by_label("整改佐证材料", exact=True).set_input_files(_pdf("党建台账.pdf"))

    _rectification_step(zjj, base, item, report, "提交整改报告", "已提交整改报告，待业务主管单位审核")
    supervisor = as_user("supervisor_zhujiajiao")

    def review(page):
        page.get_by_label("审核结论", exact=True).select_option(label="通过")
        page.get_by_label("审核意见", exact=True).fill("整改到位")

    _rectification_step(supervisor, base, item, review, "提交审核意见", "审核通过，待区民政局销号")
    _rectification_step(
        bureau,
        base,
        item,
        lambda p: p.get_by_label("销号意见", exact=True).fill("同意销号"),
        "销号",
        "已销号",
    )

    # (meanwhile the worker rendered the publication's and the adjustment's reports)
    job_waiter(upheld.job, timeout=90)
    _all_jobs_done()
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    expect(bureau.locator("body")).to_contain_text("第 2 版")
    # new reports for the adjusted center; the old one superseded, still listed
    reports = ReportDocument.objects.filter(kind="center_report", cycle=cycle, center__name=ADJUSTED)
    old = reports.get(pk=old_reports[ADJUSTED])
    new = reports.get(superseded_at__isnull=True)
    assert old.superseded_at is not None and old.superseded_by_id == new.pk and new.revision > old.revision
    bureau.goto(f"{base}/reports/?q=朱家角&all=1")
    listed = bureau.get_by_role("row").filter(has_text=f"{ADJUSTED} 2025 年度绩效考评报告")
    expect(listed.filter(has_text="已被替代")).to_have_count(1)
    expect(listed.filter(has_text="现行版本")).to_have_count(1)

    # 5. 未提交 in the center's PDF report, the Excel export and the public list
    document = ReportDocument.objects.get(
        kind="center_report", cycle=cycle, center__name=UNSUBMITTED, superseded_at__isnull=True
    )
    assert document.pk != old_reports[UNSUBMITTED]  # rendered again: the filing is no longer submitted
    with document.file.open("rb") as f:
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=f.read(), capture_output=True).stdout
    text = text.decode()
    assert re.search(r"自评总分\s+未提交", text) and re.search(r"最终得分\s+未提交", text)
    assert "公示稿" in text and not re.search(r"(?<![\d.])0\.00(?!\d)", text)
    answer = bureau.request.get(f"{base}/evaluations/cycles/{cycle.pk}/results.xlsx")
    assert answer.ok
    sheet = openpyxl.load_workbook(io.BytesIO(answer.body())).active
    line = next(r for r in sheet.iter_rows(values_only=True) if r[1] == UNSUBMITTED)
    assert line[3] == line[6] == line[10] == "未提交" and 0 not in line and line[0] is None
    anonymous = browser.new_context(**browser_context_args)
    public = anonymous.new_page()
    public.goto(f"{base}/public/")
    center = public.get_by_role("row").filter(has_text=UNSUBMITTED)
    expect(center).to_contain_text("2025 年度：未提交")
    expect(center).not_to_contain_text("0.00")
    expect(public.get_by_role("row").filter(has_text=ADJUSTED)).to_contain_text("公示中")
    anonymous.close()

"""公示 and 复核 in a real browser (issue 13 "Done when", items 3–4): the bureau publishes, the public
list shows 公示中, the director files a review request with evidence, the bureau adjusts a spot-check
score and the worker computes the new revision, shown on the results page."""

import pytest
from playwright.sync_api import expect

from evaluations.choices import CycleState
from evaluations.models import AuditScore, Cycle, Filing, ResultSet, ReviewRequest

from .conftest import PDF
from .test_browser_cycle import as_user  # noqa: F401  (the fixture, shared)

pytestmark = [pytest.mark.browser]


def test_publish_publicity_review_request_and_adjustment(
    demo,
    worker,
    as_user,  # noqa: F811
    live_server,
    browser,
    browser_context_args,
    job_waiter,
):
    base = live_server.url
    cycle = Cycle.objects.get(year=2025)
    # The demo's year back to just before publication (its results computed, not yet published).
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.SCORING, publicity_ends_on=None)
    ResultSet.objects.filter(cycle=cycle).update(is_published=False, published_at=None)

    bureau = as_user("bureau")
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    bureau.get_by_role("button", name="公布结果").click()
    expect(bureau.get_by_test_id("publicity-banner")).to_contain_text("公示中（公示稿）")

    anonymous = browser.new_context(**browser_context_args)
    public = anonymous.new_page()
    public.goto(f"{base}/public/")
    expect(public.locator("body")).to_contain_text("公示中")
    anonymous.close()

    director = as_user("director_zhujiajiao")
    director.goto(f"{base}/evaluations/review-requests/")
    director.get_by_label("复核理由").fill("B 类指标抽检分偏低，签到台账齐全")
    director.get_by_label("佐证材料").set_input_files(
        {"name": "台账.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    director.get_by_role("button", name="提交复核申请").click()
    expect(director.get_by_test_id("review-state")).to_have_text("待区民政局决定")
    review = ReviewRequest.objects.get(cycle=cycle)

    filing = Filing.objects.get(cycle=cycle, center=review.center)
    score = (
        AuditScore.objects.filter(filing=filing, indicator__method="scored")
        .select_related("indicator")
        .order_by("indicator__category__sort_order", "indicator__sort_order")
        .first()
    )
    bureau.goto(f"{base}/evaluations/review-requests/{review.pk}/")
    bureau.get_by_label("复核决定", exact=True).select_option(label="调整结果")
    bureau.get_by_label("决定理由", exact=True).fill("台账核实，改正抽检分")
    bureau.get_by_label(f"{score.indicator.code} {score.indicator.name}").fill(str(score.score + 1))
    bureau.get_by_role("button", name="提交决定").click()
    review.refresh_from_db()
    assert review.state == "adjusted" and review.revision == 2
    job_waiter(review.job, timeout=120)
    bureau.goto(f"{base}/evaluations/cycles/{cycle.pk}/results/")
    expect(bureau.locator("body")).to_contain_text("第 2 版")
    expect(bureau.locator("body")).to_contain_text("复核调整")

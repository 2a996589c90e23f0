"""In a real browser: a center that never submitted reads 未提交 on the results page, never 0.00."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from centers.models import ServiceCenter
from evaluations.models import Filing

from .conftest import open_cycle
from .test_procedure import FUTURE, _scored, _submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_unsubmitted_center_reads_unsubmitted_on_the_results_page(demo, live_server, page, login):
    bureau = User.objects.get(username="bureau")
    cycle = open_cycle(FUTURE, bureau)
    zjj = ServiceCenter.objects.get(street_town__name="朱家角镇")
    _submit(Filing.objects.get(cycle=cycle, center=zjj))
    cycle = _scored(cycle, {"bureau": bureau})
    login(page, "bureau")
    page.goto(f"{live_server.url}/evaluations/cycles/{cycle.pk}/results/")
    row = page.get_by_test_id("results-table").get_by_role("row").filter(has_text="金泽镇")
    expect(row).to_contain_text("未提交")
    expect(row).not_to_contain_text("0.00")
    # 朱家角 submitted: a score (its demo party coverage of 83 % keeps it below full marks), not 未提交
    submitted = page.get_by_test_id("results-table").get_by_role("row").filter(has_text="朱家角镇")
    expect(submitted).to_contain_text(re.compile(r"\d+\.\d\d"))
    expect(submitted).not_to_contain_text("未提交")

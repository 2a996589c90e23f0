"""Pages: the permission matrix (a miss is a 404), the flows through forms, query counts."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from core.jobs import run_job
from evaluations import services
from evaluations.choices import FilingState
from evaluations.models import Evidence, Filing, SelfScore

from .conftest import open_cycle, through_scoring, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, centers):
    """2025: published, ZJJ sampled and scored by `auditor`; 2026: open, nobody assigned."""
    c2025, _draw = through_scoring(people, centers, year=2025)
    job = services.results_request(cycle=c2025, actor=people["bureau"])
    run_job(str(job.pk), services.results_work)
    services.cycle_publish(cycle=c2025, actor=people["bureau"])
    c2026 = open_cycle(2026, people["bureau"])
    zjj25 = Filing.objects.get(cycle=c2025, center=people["zjj"])
    return {
        **people,
        "c2025": c2025,
        "c2026": c2026,
        "zjj25": zjj25,
        "zjj26": Filing.objects.get(cycle=c2026, center=people["zjj"]),
        "jz26": Filing.objects.get(cycle=c2026, center=people["jz"]),
        "evidence25": Evidence.objects.filter(filing=zjj25).first(),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ROLES = ["bureau", "director", "other_director", "supervisor", "other_supervisor", "auditor", "other_auditor"]

# (url name, object key, {role: expected status}); roles not listed expect 404.
MATRIX = [
    ("evaluations:filing_detail", "zjj26", {"bureau": 200, "director": 200, "supervisor": 200}),
    ("evaluations:filing_edit", "zjj26", {"bureau": 200, "director": 200}),
    ("evaluations:self_assessment", "zjj26", {"bureau": 200, "director": 200}),
    ("evaluations:audit_score", "zjj26", {}),  # nobody assigned in 2026 (bureau: no assignment row → 404)
    (
        "evaluations:filing_detail",
        "zjj25",
        {"bureau": 200, "director": 200, "supervisor": 200, "auditor": 200},
    ),
    ("evaluations:audit_score", "zjj25", {"bureau": 200, "auditor": 200}),
    (
        "evaluations:work_plan_download",
        "zjj25",
        {"bureau": 200, "director": 200, "supervisor": 200, "auditor": 200},
    ),
    (
        "evaluations:evidence_download",
        "evidence25",
        {"bureau": 200, "director": 200, "supervisor": 200, "auditor": 200},
    ),
    ("evaluations:cycle_board", "c2026", {"bureau": 200}),
    ("evaluations:cycle_draw", "c2026", {"bureau": 200}),
    ("evaluations:cycle_assignments", "c2026", {"bureau": 200}),
    ("evaluations:cycle_edit", "c2026", {"bureau": 200}),
    ("evaluations:results_export", "c2025", dict.fromkeys(ROLES, 200)),
    ("evaluations:cycle_detail", "c2026", dict.fromkeys(ROLES, 200)),
    ("evaluations:cycle_results", "c2025", dict.fromkeys(ROLES, 200)),
]


def test_permission_matrix_of_every_page(world):
    """Every page × every role: the allowed ones get 200, everyone else a 404 (never a 403)."""
    clients = {role: client_for(world[role]) for role in ROLES}
    failures = []
    for name, key, allowed in MATRIX:
        url = reverse(name, args=[world[key].pk])
        for role in ROLES:
            status = clients[role].get(url).status_code
            if status != allowed.get(role, 404):
                failures.append(f"{role} GET {name} ({key}): {status}, expected {allowed.get(role, 404)}")
    assert not failures, "\n".join(failures)
    # the auditor assigned to ZJJ in 2025 sees that filing in their list, never ZJJ's 2026 filing
    page = clients["auditor"].get(reverse("evaluations:my_assignments")).content.decode()
    assert "朱家角镇" in page and "2025" in page


def test_lists_show_only_ones_own_filings(world):
    mine = client_for(world["director"]).get(reverse("evaluations:my_filings")).content.decode()
    assert "朱家角镇" in mine and "金泽镇" not in mine
    services.filing_save_figures(
        filing=world["jz26"],
        actor=world["bureau"],
        version=1,
        values={"trainees": 1},
        figure_notes={"trainees": "按纸质签到表填报"},
        today=date(2026, 12, 1),
    )
    reviews = (
        client_for(world["supervisor"])
        .get(reverse("evaluations:review_list") + "?state=all")
        .content.decode()
    )
    assert "朱家角镇" in reviews and "金泽镇" not in reviews


def test_outsiders_cannot_act_on_a_filing(world):
    zjj26 = world["zjj26"]
    for role, name in [
        ("other_director", "evaluations:filing_submit"),
        ("director", "evaluations:filing_accept"),
        ("director", "evaluations:filing_review"),
        ("other_supervisor", "evaluations:filing_review"),
        ("other_supervisor", "evaluations:filing_return"),
        ("auditor", "evaluations:filing_submit"),
        ("director", "evaluations:filing_reopen"),
    ]:
        response = client_for(world[role]).post(reverse(name, args=[zjj26.pk]), {"reason": "x"})
        assert response.status_code == 404, (role, name)
    zjj26.refresh_from_db()
    assert zjj26.state == FilingState.DRAFT
    response = client_for(world["other_director"]).post(
        reverse("evaluations:evidence_upload", args=[zjj26.pk]),
        {"indicator": zjj26.cycle.indicators.first().pk, "file": upload("a.pdf")},
    )
    assert response.status_code == 404 and not Evidence.objects.filter(filing=zjj26).exists()


def test_director_files_through_the_pages_and_bad_scores_change_nothing(world):
    client = client_for(world["director"])
    filing = world["zjj26"]
    a2 = filing.cycle.indicators.get(code="A2")
    response = client.post(reverse("evaluations:self_assessment", args=[filing.pk]), {f"score_{a2.pk}": "99"})
    assert response.status_code == 200
    assert "分数应在 0 到 3.0 之间" in response.content.decode()
    assert not SelfScore.objects.filter(filing=filing).exists()
    response = client.post(reverse("evaluations:filing_submit", args=[filing.pk]), follow=True)
    page = response.content.decode()
    # the activity figures come from the registers (none is missing); the work plan is
    assert "不能提交" in page and "未上传年度工作计划" in page and "未填写：举办培训（场次）" not in page
    response = client.post(
        reverse("evaluations:filing_edit", args=[filing.pk]),
        {"trainings_held": "-3", "trainees": "abc", "version": 1},
    )
    assert "不能为负数" in response.content.decode()
    filing.refresh_from_db()
    assert filing.trainings_held is None
    # a number typed without a note is refused, naming the figure and the fix; nothing is saved
    response = client.post(
        reverse("evaluations:filing_edit", args=[filing.pk]),
        {"trainings_held": "4", "work_plan": upload("计划.pdf"), "version": 1},
    )
    assert "举办培训（场次）：手工填写了数值 4，须写明说明" in response.content.decode()
    filing.refresh_from_db()
    assert filing.trainings_held is None and not filing.work_plan
    response = client.post(
        reverse("evaluations:filing_edit", args=[filing.pk]),
        {
            "trainings_held": "4",
            "note_trainings_held": "部分培训记录在纸质签到表中",
            "work_plan": upload("计划.pdf"),
            "version": 1,
        },
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.trainings_held == 4 and filing.work_plan_name == "计划.pdf"
    detail = client.get(reverse("evaluations:filing_detail", args=[filing.pk])).content.decode()
    assert "未上传年度工作计划" not in detail
    assert "手工填写：部分培训记录在纸质签到表中" in detail


def test_evidence_that_is_not_what_its_name_says_is_refused_on_the_page(world):
    filing = world["zjj26"]
    response = client_for(world["director"]).post(
        reverse("evaluations:evidence_upload", args=[filing.pk]),
        {
            "indicator": filing.cycle.indicators.first().pk,
            "file": upload("photo.jpg", b"%PDF-1.4 not a jpeg"),
            "idempotency_key": "6b1f3c1e-2d7a-4a55-9a34-0c8d1f2e3a4b",
        },
        follow=True,
    )
    assert "文件内容与文件名不符" in response.content.decode()
    assert not Evidence.objects.filter(filing=filing).exists()


def test_results_page_shows_ranks_findings_and_the_performance_table(world):
    page = (
        client_for(world["director"])
        .get(reverse("evaluations:cycle_results", args=[world["c2025"].pk]))
        .content.decode()
    )
    assert "街镇民政工作绩效考核计分表" in page and "超过容差" in page
    export = client_for(world["bureau"]).get(reverse("evaluations:results_export", args=[world["c2025"].pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.max_row == 12 and sheet["A1"].value == "排名"


def test_draw_page_reruns_the_draw_and_shows_it_matches(world):
    page = client_for(world["bureau"]).post(
        reverse("evaluations:cycle_draw_verify", args=[world["c2025"].pk])
    )
    assert "与存档结果一致" in page.content.decode()


def test_query_counts_of_the_board_and_results_are_pinned(world, django_assert_num_queries):
    client = client_for(world["bureau"])
    url = reverse("evaluations:cycle_board", args=[world["c2026"].pk])
    client.get(url)
    # session, user, roles, permissions, the cycle, the page's count and rows, the late count, the
    # counts by state
    with django_assert_num_queries(BOARD_QUERIES):
        assert client.get(url).status_code == 200
    url = reverse("evaluations:cycle_results", args=[world["c2025"].pk])
    client.get(url)
    with django_assert_num_queries(RESULTS_QUERIES):
        assert client.get(url).status_code == 200
    url = reverse("evaluations:filing_detail", args=[world["zjj25"].pk])
    client.get(url)
    # the nine registers behind the figures are one query (activities.figures.register_figures)
    with django_assert_num_queries(FILING_PAGE_QUERIES):
        assert client.get(url).status_code == 200


BOARD_QUERIES = 9
# + the page's count, the grades, the findings and whether last year has results (counted in the
# database: the page reads 50 results, not every result of the cycle)
RESULTS_QUERIES = 13


FILING_PAGE_QUERIES = 15  # 27 while each register had its query, 19 while the session was saved every request, 16 with two permission queries


def test_bureau_corrects_a_published_spot_check_score_and_issues_a_new_revision(world):
    from evaluations.models import AuditScore, ResultSet

    filing = world["zjj25"]
    b2 = filing.cycle.indicators.get(code="B2")
    url = reverse("evaluations:audit_score_correct", args=[filing.pk])
    assert (
        client_for(world["director"]).post(url, {"indicator": b2.pk, "score": "4", "reason": "x"}).status_code
        == 404
    )
    client = client_for(world["bureau"])
    read = AuditScore.objects.get(filing=filing, indicator=b2).version
    version = {f"version_{b2.pk}": read}
    page = client.post(
        url, {"indicator": b2.pk, "score": "9", "reason": "复核", **version}, follow=True
    ).content.decode()
    assert "分数应在 0 到 4.0 之间" in page
    client.post(url, {"indicator": b2.pk, "score": "4", "reason": "复核后更正", **version})
    assert AuditScore.objects.get(filing=filing, indicator=b2).score == 4
    # a colleague who opened the page before that correction is refused, nothing overwritten
    stale = client.post(url, {"indicator": b2.pk, "score": "3", "reason": "另一更正", **version}, follow=True)
    assert "已被他人修改" in stale.content.decode()
    assert AuditScore.objects.get(filing=filing, indicator=b2).score == 4
    response = client.post(
        reverse("evaluations:results_correct", args=[world["c2025"].pk]), {"reason": "B2 更正"}
    )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    # revision 2 is allocated with the request (not yet computed: the job runs on commit)
    allocated = ResultSet.objects.get(cycle=world["c2025"], revision=2)
    assert allocated.computed_at is None and not allocated.is_published and allocated.reason == "B2 更正"


def test_the_results_pages_counts_from_the_database_are_those_of_every_row(world):
    from evaluations import selectors

    cycle = world["c2025"]
    chosen = selectors.current_result_set(cycle)
    every = selectors.cycle_results(cycle, chosen)
    results = selectors.results_queryset(chosen)
    assert len(every) > 3
    assert list(selectors.result_grade_counts(results).items()) == list(selectors.grade_counts(every).items())
    assert [r["center"].pk for r in every] == list(results.values_list("center_id", flat=True))
    page = client_for(world["bureau"]).get(reverse("evaluations:cycle_results", args=[cycle.pk]))
    html = page.content.decode()
    grades = "；".join(f"{g} {n} 个" for g, n in selectors.grade_counts(every).items())
    assert f"等次分布：{grades}" in html
    for row in every:
        if row["finding"]:
            assert f"<li>{row['center'].name}：{row['finding']}</li>" in html


def test_the_boards_late_flag_from_the_database_is_the_filings_deadline(world):
    """``late`` (SQL, for the page's flags and its count) says what ``today > filing.deadline`` says for
    an editable filing, with and without a reopening, before and after the deadline."""
    from datetime import timedelta

    from evaluations import selectors
    from evaluations.choices import EDITABLE_FILING_STATES

    cycle = world["c2026"]
    filings = list(Filing.objects.filter(cycle=cycle).order_by("pk"))
    assert len(filings) >= 3
    deadline = cycle.filing_deadline
    Filing.objects.filter(pk=filings[0].pk).update(reopened_until=deadline + timedelta(days=10))
    Filing.objects.filter(pk=filings[1].pk).update(reopened_until=deadline - timedelta(days=10))
    for today in (
        deadline - timedelta(days=20),
        deadline,
        deadline + timedelta(days=1),
        deadline + timedelta(days=30),
    ):
        board = list(selectors.board_filings(cycle, today=today))
        expected = {f.pk: f.state in EDITABLE_FILING_STATES and today > f.deadline for f in board}
        assert {f.pk: f.late for f in board} == expected, today
    assert any(expected.values())

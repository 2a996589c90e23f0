"""The filing is built from the registers (issue 12): figures computed from the rows of the year, shown
to the director with the rows behind them, frozen on submission, typed only with a note; the computed
indicators score them; the filing sheet prints a summary and puts the registers in an annex."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import CommunityMeeting, NeedsSurvey, TrainingHeld
from centers.tests import factories as cf
from evaluations import services
from evaluations.figures import computed_figures, effective_figures
from evaluations.models import Filing, SelfScore

from .conftest import TODAY, complete_filing, open_cycle

pytestmark = pytest.mark.django_db


def training(center, day, trainees=20, topic="信息员培训"):
    return TrainingHeld.objects.create(
        center=center, topic=topic, held_on=day, kind="officer", trainees=trainees
    )


def survey(center, day):
    return NeedsSurvey.objects.create(
        center=center, topic="社区养老需求", surveyed_on=day, method="questionnaire", respondents=120
    )


@pytest.fixture
def filing(people):
    cycle = open_cycle(2026, people["bureau"])
    return Filing.objects.get(cycle=cycle, center=people["zjj"])


def test_figures_are_computed_from_the_rows_of_the_filing_year(people, filing):
    center = people["zjj"]
    a = training(center, date(2026, 3, 5), trainees=30)
    b = training(center, date(2026, 9, 1), trainees=12)
    training(center, date(2025, 12, 30), trainees=99)  # the year before: not counted
    training(people["jz"], date(2026, 4, 1))  # another center's
    s = survey(center, date(2026, 6, 1))
    CommunityMeeting.objects.create(
        center=center, kind="joint", held_on=date(2026, 5, 1), convened_by="镇政府", topics="党建联建"
    )
    figures = effective_figures(filing)
    assert figures["trainings_held"]["value"] == 2 and figures["trainees"]["value"] == 42
    assert sorted(figures["trainings_held"]["row_ids"]) == sorted([a.pk, b.pk])
    assert (
        figures["trainings_held"]["register"] == "举办培训"
        and figures["trainings_held"]["source"] == "register"
    )
    assert (
        f"center={center.pk}" in figures["trainings_held"]["url"]
        and "year=2026" in figures["trainings_held"]["url"]
    )
    assert figures["needs_surveys"]["value"] == 1 and figures["needs_surveys"]["row_ids"] == [s.pk]
    assert figures["joint_meetings"]["value"] == 1 and figures["regular_meetings"]["value"] == 0

    # The director sees each figure with a link to the rows behind it.
    from django.test import Client

    client = Client()
    client.force_login(people["director"])
    html = client.get(reverse("evaluations:filing_edit", args=[filing.pk])).content.decode()
    assert figures["trainings_held"]["url"].replace("&", "&amp;") in html
    assert "举办培训（2 条）" in html
    detail = client.get(reverse("evaluations:filing_detail", args=[filing.pk])).content.decode()
    assert "据举办培训登记 2 条" in detail


def test_party_coverage_percent_is_the_computed_coverage(people, filing):
    st = people["zjj"].street_town
    cf.organizations(5, street_town_obj=st, party_status="joint", party_status_on=date(2024, 1, 1))
    cf.organizations(1, street_town_obj=st, party_status="none")
    figure = effective_figures(filing)["party_coverage_percent"]
    assert figure["value"] == Decimal("83.3") and len(figure["row_ids"]) == 5
    assert figure["register"] == "社会组织名录（党组织覆盖情况）"


def test_the_submitted_filing_is_frozen_and_a_typed_figure_is_marked_typed(people, filing):
    center = people["zjj"]
    first = training(center, date(2026, 2, 1), trainees=25)
    training(center, date(2026, 4, 1), trainees=25)
    filing = complete_filing(filing, people["director"])
    # Every figure was typed by complete_filing; the trainings now come from the register, the
    # needs surveys stay typed with their note.
    notes = {"needs_surveys": "调研由街道委托第三方完成，报告未录入系统"}
    filing = services.filing_save_figures(
        filing=filing,
        actor=people["director"],
        version=filing.version,
        values={"needs_surveys": 3},
        figure_notes={
            **{n: "按纸质台账填报" for n in services.FIGURE_NAMES if n not in ("trainings_held", "trainees")},
            **notes,
        },
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    filing.refresh_from_db()
    snap = filing.snapshot
    assert (
        snap["figures"]["trainings_held"]["value"] == 2
        and snap["figures"]["trainings_held"]["source"] == "register"
    )
    assert snap["figures"]["needs_surveys"] == {
        **snap["figures"]["needs_surveys"],
        "value": 3,
        "source": "typed",
        "note": notes["needs_surveys"],
    }
    assert "needs_surveys" in snap["typed_figures"] and "trainings_held" not in snap["typed_figures"]
    frozen_ids = list(snap["figures"]["trainings_held"]["row_ids"])
    registers = {r["register"]: r for r in snap["activity_registers"]}
    assert registers["举办培训"]["count"] == 2 and "培训主题" in registers["举办培训"]["columns"]
    # The computed indicator scores the register's figure and says so in Chinese.
    g2 = SelfScore.objects.get(filing=filing, indicator__code="G2")
    assert g2.score == Decimal("2.5") and "据举办培训登记 2 条" in g2.computed_detail
    h2 = SelfScore.objects.get(filing=filing, indicator__code="H2")
    assert "手工填写：调研由街道委托第三方完成" in h2.computed_detail

    # A row added after submission changes nothing in the submitted filing.
    training(center, date(2026, 11, 20), trainees=40)
    first.trainees = 500
    first.save()
    filing.refresh_from_db()
    assert filing.trainings_held == 2 and filing.trainees == 50
    assert filing.snapshot["figures"]["trainings_held"]["row_ids"] == frozen_ids
    assert services.filing_figures(filing)["trainings_held"] == 2
    assert computed_figures(center, 2026)["trainings_held"]["value"] == 3  # the register moved on


def test_a_note_needs_a_number(people, filing):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        services.filing_save_figures(
            filing=filing,
            actor=people["director"],
            version=filing.version,
            values={},
            figure_notes={"needs_surveys": "纸质台账"},
            today=TODAY,
        )
    assert "社区需求调研（次）：填写了说明时须填写数值" in exc.value.fields["needs_surveys"][0]


def test_figure_computation_query_count_is_pinned_and_constant_in_rows(
    people, filing, django_assert_num_queries
):
    center = people["zjj"]
    cf.organizations(
        2, street_town_obj=center.street_town, party_status="joint", party_status_on=date(2024, 1, 1)
    )
    training(center, date(2026, 1, 5))
    with django_assert_num_queries(3):  # the nine registers are one UNION ALL (11 before)
        one = computed_figures(center, 2026)
    for day in range(1, 8):
        training(center, date(2026, 2, day))
        survey(center, date(2026, 3, day))
    cf.organizations(
        5, street_town_obj=center.street_town, party_status="joint", party_status_on=date(2024, 1, 1)
    )
    with django_assert_num_queries(3):  # the nine registers are one UNION ALL (11 before)
        many = computed_figures(center, 2026)
    assert one["trainings_held"]["value"] == 1 and many["trainings_held"]["value"] == 8


def test_the_filing_sheet_prints_a_summary_and_the_registers_in_an_annex(people, filing, pdf_tools, tmp_path):
    from reports.builders import build_spec
    from reports.services import document_render
    from reports.tests.pdfcheck import pdf_text, write

    center = people["zjj"]
    for day in range(1, 13):
        training(center, date(2026, 3, day), topic=f"第{day}期信息员培训")
    filing = complete_filing(filing, people["director"])
    filing = services.filing_save_figures(
        filing=filing,
        actor=people["director"],
        version=filing.version,
        values={},
        figure_notes={
            n: "按纸质台账填报" for n in services.FIGURE_NAMES if n not in ("trainings_held", "trainees")
        },
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    document = document_render(build_spec("filing_sheet", {"filing_id": filing.pk}))[0]
    text = pdf_text(write(document, tmp_path), flow=True)
    assert "四、台账摘要" in text and "举办培训（共12条，以下为最近10条）" in text
    assert "附件：台账全文" in text and "附件一工作台账" in text and "举办培训（共12条）" in text
    assert "培训主题" in text and "培训日期" in text and "培训人次" in text
    # the twelve rows: the summary shows the ten most recent, the annex all twelve
    assert text.count("第12期信息员培训") == 2 and text.count("第1期信息员培训") == 1
    assert "据举办培训登记12条" in text and "手工填写：按纸质台账填报" in text
    laid_out = pdf_text(write(document, tmp_path))
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", laid_out), "snake_case in the filing sheet"
    assert not re.findall(r"\b(?:register|row_ids|source|value|topic|held_on|trainees)\b", laid_out)


def test_district_and_industry_centers_in_scope_are_scored_by_their_own_rules_and_figures():
    """The default rubric names the formula for other levels (R-STAFF-1 / R-STAFF-3; coverage)."""
    from evaluations import scoring
    from evaluations.default_rubric import DEFAULT_RUBRIC

    formulas = {
        code: formula for _c, _n, items in DEFAULT_RUBRIC for code, _name, _max, _m, formula, *_ in items
    }
    rules = {
        "R-STAFF-1": {"status": "met", "detail": "全区社会组织 700 家，应配专职人员 14 名，实有 14 名"},
        "R-STAFF-2": {"status": "not_met", "detail": "—"},
        "R-STAFF-3": {"status": "not_applicable", "detail": "行业中心按需配备"},
    }
    score, detail = scoring.compute_indicator(formulas["A1"], 10, rules=rules, figures={}, level="district")
    assert score == Decimal("10.0") and "R-STAFF-1" in detail
    score, _ = scoring.compute_indicator(formulas["A1"], 10, rules=rules, figures={}, level="street_town")
    assert score == Decimal("0.0")
    score, detail = scoring.compute_indicator(
        formulas["I1"],
        5,
        rules={},
        figures={"party_coverage_percent": Decimal("90")},
        basis={"party_coverage_percent": "社会组织名录（党组织覆盖情况）：辖区 20 家，已覆盖 18 家"},
        labels={"party_coverage_percent": "党建工作覆盖率（%）"},
        level="industry",
    )
    assert score == Decimal("4.5")
    assert detail.startswith(
        "党建工作覆盖率（%） = 90（社会组织名录（党组织覆盖情况）：辖区 20 家，已覆盖 18 家）"
    )


def _edit_body(filing, **fields):
    body = {"version": filing.version, "notes": ""}
    for name in services.FIGURE_NAMES:
        body[name] = ""
        body[f"note_{name}"] = ""
    body.update(fields)
    return body


def test_a_typed_figure_without_a_note_is_refused_naming_the_field_and_the_fix(people, filing):
    from django.test import Client

    client = Client()
    client.force_login(people["director"])
    url = reverse("evaluations:filing_edit", args=[filing.pk])
    response = client.post(url, _edit_body(filing, needs_surveys="3"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "社区需求调研（次）：手工填写了数值 3，须写明说明" in html
    assert "如以台账统计为准，请清空该数值" in html
    filing.refresh_from_db()
    assert filing.needs_surveys is None and not filing.figure_notes
    # with its note it is taken, and the page says it is typed
    response = client.post(url, _edit_body(filing, needs_surveys="3", note_needs_surveys="纸质台账"))
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.needs_surveys == 3 and filing.figure_notes == {"needs_surveys": "纸质台账"}
    assert effective_figures(filing)["needs_surveys"]["source"] == "typed"
    # clearing the note but leaving the number is refused too; the typed figure stays as it was
    response = client.post(url, _edit_body(filing, needs_surveys="3"))
    assert "手工填写了数值 3，须写明说明" in response.content.decode()
    filing.refresh_from_db()
    assert filing.figure_notes == {"needs_surveys": "纸质台账"}


def test_the_api_refuses_a_typed_figure_without_a_note_in_the_error_shape(people, filing):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=people["director"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.patch(
        f"/api/v1/filings/{filing.pk}/",
        {"version": filing.version, "trainings_held": 4},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        "举办培训" in error["fields"]["trainings_held"][0]
        and "须写明说明" in error["fields"]["trainings_held"][0]
    )
    filing.refresh_from_db()
    assert filing.trainings_held is None


def test_a_returned_filing_opens_with_only_its_typed_figures_in_the_typed_column(people, filing):
    """On submission the figures that count are written into the filing; once it is returned, the
    form shows in the typed column only the figures typed with a note, so saving it again is not
    refused for the registers' figures."""
    from django.test import Client

    center = people["zjj"]
    training(center, date(2026, 2, 1))
    filing = complete_filing(filing, people["director"])
    filing = services.filing_save_figures(
        filing=filing,
        actor=people["director"],
        version=filing.version,
        values={"trainings_held": None, "trainees": None},
        figure_notes={
            n: "按纸质台账填报" for n in services.FIGURE_NAMES if n not in ("trainings_held", "trainees")
        },
        today=TODAY,
    )
    services.filing_submit(filing=filing, actor=people["director"], today=TODAY)
    filing.refresh_from_db()
    assert filing.trainings_held == 1  # written on submission, without a note
    filing.state = "returned"
    filing.save()
    client = Client()
    client.force_login(people["director"])
    form = client.get(reverse("evaluations:filing_edit", args=[filing.pk])).context["form"]
    assert form.initial["trainings_held"] == "" and form.initial["needs_surveys"] == 5
    body = {k: ("" if v is None else v) for k, v in form.initial.items()}
    response = client.post(reverse("evaluations:filing_edit", args=[filing.pk]), body)
    assert response.status_code == 302


def test_district_and_industry_centers_in_a_cycles_scope_file_their_own_figures(people):
    """A cycle whose scope takes the district and industry centers gives each a filing built from its
    own registers (its trainings, its meetings) and its own party coverage (the whole district; the
    industry's organizations), frozen on submission with the center's level."""

    from centers.tests import factories as center_factories

    from .conftest import director_of

    d = center_factories.district_center()
    i = center_factories.industry_center("教育")
    covered = {"party_status": "joint", "party_status_on": date(2024, 1, 1)}
    cf.organizations(3, street_town_obj=people["zjj"].street_town, **covered)
    cf.organizations(3, industry="教育", **covered)
    cf.organizations(1, industry="教育", party_status="none")
    training(d, date(2026, 3, 1), trainees=80)
    training(d, date(2026, 6, 1), trainees=40)
    training(i, date(2026, 4, 1), trainees=15)
    training(people["zjj"], date(2026, 4, 2), trainees=9)
    CommunityMeeting.objects.create(
        center=i, kind="joint", held_on=date(2026, 5, 1), convened_by="区教育局", topics="行业自律"
    )
    cycle = open_cycle(2026, people["bureau"], levels=["street_town", "district", "industry"])
    fd, fi = Filing.objects.get(cycle=cycle, center=d), Filing.objects.get(cycle=cycle, center=i)
    assert Filing.objects.filter(cycle=cycle, center=people["zjj"]).exists()

    d_figures, i_figures = effective_figures(fd), effective_figures(fi)
    assert d_figures["trainings_held"]["value"] == 2 and d_figures["trainees"]["value"] == 120
    assert f"center={d.pk}" in d_figures["trainings_held"]["url"]
    assert i_figures["trainings_held"]["value"] == 1 and i_figures["joint_meetings"]["value"] == 1
    assert d_figures["joint_meetings"]["value"] == 0
    party = i_figures["party_coverage_percent"]
    assert (party["value"], party["n"], party["covered"]) == (Decimal("75.0"), 4, 3)
    whole = d_figures["party_coverage_percent"]
    assert whole["n"] >= 7 and whole["covered"] >= 6  # the whole district's organizations

    # the district center files and submits its own; the snapshot keeps its level and its figures
    actor = director_of(d)
    fd = complete_filing(fd, actor)
    fd = services.filing_save_figures(
        filing=fd,
        actor=actor,
        version=fd.version,
        values={"trainings_held": None, "trainees": None},
        figure_notes={
            n: "按纸质台账填报" for n in services.FIGURE_NAMES if n not in ("trainings_held", "trainees")
        },
        today=TODAY,
    )
    services.filing_submit(filing=fd, actor=actor, today=TODAY)
    fd.refresh_from_db()
    assert fd.snapshot["center"]["level"] == "district"
    assert fd.snapshot["figures"]["trainings_held"]["value"] == 2
    assert sorted(fd.snapshot["figures"]["trainings_held"]["row_ids"]) == sorted(
        TrainingHeld.objects.filter(center=d).values_list("pk", flat=True)
    )
    g2 = SelfScore.objects.get(filing=fd, indicator__code="G2")
    assert "据举办培训登记 2 条" in g2.computed_detail

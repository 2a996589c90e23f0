"""The filing's figures from the registers, against rows made here (activities.figures)."""

from datetime import date
from decimal import Decimal

import pytest

from activities.choices import MeetingKind, TeamKind, TeamStatus, TrainingKind
from activities.figures import register_figures
from activities.models import (
    ActivityTeam,
    CommunityMeeting,
    EarlyWarning,
    Incubation,
    InformationOfficer,
    NeedsSurvey,
    SiteInspection,
    TrainingHeld,
    WelfareProject,
)
from evaluations.models.filing import FIGURE_NAMES


def _make(world, *, scale: int):
    a, org = world["a"], world["orgs"][0]
    rows = {}
    for i in range(scale):
        rows.setdefault("trainings", []).append(
            TrainingHeld.objects.create(
                center=a,
                topic="信息员培训",
                held_on=date(2025, 3, 1 + i),
                kind=TrainingKind.OFFICER,
                trainees=10 + i,
            )
        )
        rows.setdefault("projects", []).append(
            WelfareProject.objects.create(
                center=a,
                title=f"项目{i}",
                kind="venture",
                funder="镇政府",
                amount=Decimal("2.50"),
                started_on=date(2025, 4, 1),
            )
        )
        CommunityMeeting.objects.create(
            center=a, kind=MeetingKind.JOINT, held_on=date(2025, 5, 1), convened_by="镇政府", topics="议题"
        )
    # outside the year or the figure: not counted
    TrainingHeld.objects.create(center=a, topic="旧", held_on=date(2024, 12, 31), kind="other", trainees=99)
    TrainingHeld.objects.create(
        center=world["b"], topic="他中心", held_on=date(2025, 6, 1), kind="other", trainees=99
    )
    regular = CommunityMeeting.objects.create(
        center=a, kind=MeetingKind.REGULAR, held_on=date(2025, 7, 1), convened_by="中心", topics="例会"
    )
    CommunityMeeting.objects.create(
        center=a, kind=MeetingKind.GOVERNANCE, held_on=date(2025, 7, 2), convened_by="镇", topics="列席"
    )
    team = {"center": a, "kind": TeamKind.CULTURE, "leader": "王", "members": 12}
    on_file = ActivityTeam.objects.create(name="舞蹈队", filed_on=date(2023, 5, 1), **team)
    cancelled_later = ActivityTeam.objects.create(
        name="合唱队",
        filed_on=date(2024, 5, 1),
        status=TeamStatus.CANCELLED,
        status_on=date(2026, 1, 5),
        **team,
    )
    ActivityTeam.objects.create(
        name="已注销",
        filed_on=date(2024, 5, 1),
        status=TeamStatus.CANCELLED,
        status_on=date(2025, 12, 31),
        **team,
    )
    ActivityTeam.objects.create(name="次年", filed_on=date(2026, 1, 1), **team)
    closed = EarlyWarning.objects.create(
        center=a,
        organization=org,
        category="finance",
        found_on=date(2024, 12, 1),
        source="举报",
        closed_on=date(2025, 1, 10),
    )
    EarlyWarning.objects.create(
        center=a, organization=org, category="finance", found_on=date(2025, 2, 1), source="巡查"
    )
    officer = InformationOfficer.objects.create(
        center=a, organization=org, name="李", appointed_on=date(2024, 1, 1), trained_on=date(2025, 3, 3)
    )
    InformationOfficer.objects.create(
        center=a, organization=world["orgs"][1], name="赵", appointed_on=date(2025, 1, 1)
    )
    inspection = SiteInspection.objects.create(
        center=a,
        applicant_name="新社",
        inspected_on=date(2025, 8, 8),
        inspectors="张、王",
        venue_checked="某路1号",
        conclusion="pass",
    )
    incubating = Incubation.objects.create(center=a, name="孵化甲", entered_on=date(2024, 6, 1))
    left_before = Incubation.objects.create(
        center=a, name="孵化乙", entered_on=date(2023, 6, 1), left_on=date(2024, 12, 31), outcome="ended"
    )
    survey = NeedsSurvey.objects.create(
        center=a, topic="养老需求", surveyed_on=date(2025, 9, 9), method="questionnaire", respondents=120
    )
    return rows, locals()


@pytest.mark.parametrize("scale", [1, 4])
def test_register_figures_count_what_the_docstring_says_in_constant_queries(
    world, scale, django_assert_num_queries
):
    rows, made = _make(world, scale=scale)
    with django_assert_num_queries(1):  # one UNION ALL of the nine registers
        figures = register_figures(world["a"], 2025)
    assert set(figures) == set(FIGURE_NAMES) - {"party_coverage_percent"}
    assert figures["trainings_held"]["value"] == scale
    assert figures["trainings_held"]["row_ids"] == [t.pk for t in rows["trainings"]]
    assert figures["trainees"]["value"] == sum(10 + i for i in range(scale))
    assert figures["trainees"]["register"] == "举办培训"
    assert figures["projects_undertaken"]["value"] == scale
    assert figures["project_funding"]["value"] == Decimal("2.50") * scale
    assert figures["joint_meetings"]["value"] == scale
    assert figures["regular_meetings"]["row_ids"] == [made["regular"].pk]
    assert figures["activity_teams_on_file"]["row_ids"] == [made["on_file"].pk, made["cancelled_later"].pk]
    assert figures["early_warnings_handled"]["row_ids"] == [made["closed"].pk]
    assert figures["information_officers_trained"]["row_ids"] == [made["officer"].pk]
    assert figures["onsite_inspections"]["row_ids"] == [made["inspection"].pk]
    assert figures["organizations_incubated"]["row_ids"] == [made["incubating"].pk]
    assert figures["needs_surveys"]["row_ids"] == [made["survey"].pk]
    url = figures["activity_teams_on_file"]["url"]
    assert url.startswith("/activities/activity-teams/?")
    assert f"center={world['a'].pk}" in url and "year=2025" in url and "figure=activity_teams_on_file" in url


def test_the_figure_links_list_exactly_the_rows_counted(world):
    from django.test import Client

    _rows, made = _make(world, scale=1)
    figures = register_figures(world["a"], 2025)
    client = Client()
    client.force_login(world["director_a"], backend="accounts.backends.PortalModelBackend")
    for figure in ("activity_teams_on_file", "early_warnings_handled", "regular_meetings"):
        response = client.get(figures[figure]["url"])
        assert [r["obj"].pk for r in response.context["rows"]] == sorted(
            figures[figure]["row_ids"], reverse=True
        )
        assert "以下为年度填报中该项数字所统计的记录" in response.content.decode()
    assert ">日常工作</a>" in response.content.decode()  # the menu entry

"""The filing's activity figures, computed from the registers (issue 12, "the filing is built from
the registers").

``register_figures(center, year)`` returns, for every figure of
``evaluations.models.filing.FIGURE_NAMES`` that a register can give (all but
``party_coverage_percent``), ``{"value", "register", "url", "row_ids"}``: the figure, the Chinese
name of the register behind it, the register's list filtered to exactly those rows (``?center=…&
year=…&figure=…``) and the ids of the rows counted. One query for the nine registers (a ``UNION ALL``),
whatever the number of rows (pinned in activities/tests/test_figures.py).

What each figure counts, for the center and the calendar year (1 January – 31 December):

- ``trainings_held`` — 举办培训 rows whose 培训日期 is in the year (trainings the center gives, not
  those its staff attend: those are staffing's 参加培训).
- ``trainees`` — the sum of 培训人次 over those same trainings.
- ``information_officers_trained`` — 社会组织信息员 rows whose 培训日期 is in the year.
- ``early_warnings_handled`` — 预警处置 cases whose 办结日期 is in the year (closed in the year,
  whenever they were found; open cases are not counted).
- ``activity_teams_on_file`` — 社区群众活动团队备案 rows 在册 on 31 December of the year: 备案日期 on
  or before that day, and not 已注销 on or before it (a team cancelled later still counts).
- ``onsite_inspections`` — 新登记现场勘察 rows whose 勘察日期 is in the year.
- ``organizations_incubated`` — 孵化培育 rows in incubation at some time in the year: 入驻日期 on or
  before 31 December and 出园日期 empty or on or after 1 January.
- ``projects_undertaken`` — 公益项目 rows whose 启动日期 is in the year.
- ``project_funding`` — the sum of 项目金额（万元） over those same projects (a Decimal).
- ``needs_surveys`` — 社区需求调研 rows whose 调研日期 is in the year.
- ``joint_meetings`` — 联席会议与例会 rows of type 联席会议 held in the year.
- ``regular_meetings`` — the same register's rows of type 例会 held in the year (列席街镇社区治理会议
  is recorded but counted in neither).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import CharField, DecimalField, F, Q, Value
from django.db.models.functions import Cast
from django.urls import reverse

from .choices import MeetingKind, TeamStatus
from .models import (
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

# figure name → (register slug, model)
FIGURE_REGISTERS = {
    "trainings_held": ("trainings-held", TrainingHeld),
    "trainees": ("trainings-held", TrainingHeld),
    "information_officers_trained": ("information-officers", InformationOfficer),
    "early_warnings_handled": ("early-warnings", EarlyWarning),
    "activity_teams_on_file": ("activity-teams", ActivityTeam),
    "onsite_inspections": ("site-inspections", SiteInspection),
    "organizations_incubated": ("incubations", Incubation),
    "projects_undertaken": ("welfare-projects", WelfareProject),
    "project_funding": ("welfare-projects", WelfareProject),
    "needs_surveys": ("needs-surveys", NeedsSurvey),
    "joint_meetings": ("community-meetings", CommunityMeeting),
    "regular_meetings": ("community-meetings", CommunityMeeting),
}
REGISTER_FIGURES = list(FIGURE_REGISTERS)


def figure_filter(figure: str, year: int) -> Q:
    """The rows of a center's register that ``figure`` counts in ``year`` (also the list's filter)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if figure in ("trainings_held", "trainees"):
        return Q(held_on__range=(first, last))
    if figure == "information_officers_trained":
        return Q(trained_on__range=(first, last))
    if figure == "early_warnings_handled":
        return Q(closed_on__range=(first, last))
    if figure == "activity_teams_on_file":
        return Q(filed_on__lte=last) & ~Q(status=TeamStatus.CANCELLED, status_on__lte=last)
    if figure == "onsite_inspections":
        return Q(inspected_on__range=(first, last))
    if figure == "organizations_incubated":
        return Q(entered_on__lte=last) & (Q(left_on__isnull=True) | Q(left_on__gte=first))
    if figure in ("projects_undertaken", "project_funding"):
        return Q(started_on__range=(first, last))
    if figure == "needs_surveys":
        return Q(surveyed_on__range=(first, last))
    if figure == "joint_meetings":
        return Q(kind=MeetingKind.JOINT, held_on__range=(first, last))
    if figure == "regular_meetings":
        return Q(kind=MeetingKind.REGULAR, held_on__range=(first, last))
    raise KeyError(figure)


def figure_url(figure: str, center_id: int, year: int) -> str:
    slug, _model = FIGURE_REGISTERS[figure]
    query = urlencode({"center": center_id, "year": year, "figure": figure})
    return f"{reverse('activities:list', kwargs={'register': slug})}?{query}"


def register_figures(center, year: int) -> dict[str, dict]:
    """Every register figure of ``center`` for ``year`` (see the module's docstring), in one query: the
    nine registers' rows as one ``UNION ALL`` of (register, id, number, kind), the number being the
    trainings' 培训人次 or the projects' 项目金额, the kind the meetings' 会议类型."""
    center_id = getattr(center, "pk", center)
    out: dict[str, dict] = {}
    text = CharField()
    number = DecimalField(max_digits=20, decimal_places=2)

    def part(figure, condition=None, *, value=None, kind=None):
        model = FIGURE_REGISTERS[figure][1]
        return (
            model.objects.filter(condition if condition is not None else figure_filter(figure, year))
            .filter(center_id=center_id)
            .annotate(
                figure_register=Value(figure, output_field=text),
                row_id=F("pk"),
                figure_number=Cast(value, number) if value else Value(None, output_field=number),
                figure_kind=F(kind) if kind else Value("", output_field=text),
            )
            .order_by()
            .values_list("figure_register", "row_id", "figure_number", "figure_kind")
        )

    counted = (
        "information_officers_trained",
        "early_warnings_handled",
        "activity_teams_on_file",
        "onsite_inspections",
        "organizations_incubated",
        "needs_surveys",
    )
    meetings = figure_filter("joint_meetings", year) | figure_filter("regular_meetings", year)
    parts = [
        part("trainings_held", value="trainees"),
        part("projects_undertaken", value="amount"),
        part("joint_meetings", meetings, kind="kind"),
        *(part(figure) for figure in counted),
    ]
    found: dict[str, list[tuple]] = {
        p: [] for p in ("trainings_held", "projects_undertaken", "joint_meetings", *counted)
    }
    for figure, pk, value, kind in parts[0].union(*parts[1:], all=True).order_by("figure_register", "row_id"):
        found[figure].append((pk, value, kind))

    def put(figure, value, ids):
        _slug, model = FIGURE_REGISTERS[figure]
        out[figure] = {
            "value": value,
            "register": str(model._meta.verbose_name),
            "url": figure_url(figure, center_id, year),
            "row_ids": ids,
        }

    trainings = found["trainings_held"]
    ids = [pk for pk, _n, _k in trainings]
    put("trainings_held", len(trainings), ids)
    put("trainees", sum(int(n) for _pk, n, _k in trainings), list(ids))
    projects = found["projects_undertaken"]
    ids = [pk for pk, _a, _k in projects]
    put("projects_undertaken", len(projects), ids)
    put("project_funding", sum((a for _pk, a, _k in projects), Decimal("0")), list(ids))
    for figure, kind in (("joint_meetings", MeetingKind.JOINT), ("regular_meetings", MeetingKind.REGULAR)):
        ids = [pk for pk, _v, k in found["joint_meetings"] if k == kind]
        put(figure, len(ids), ids)
    for figure in counted:
        ids = [pk for pk, _v, _k in found[figure]]
        put(figure, len(ids), ids)
    return {name: out[name] for name in REGISTER_FIGURES}

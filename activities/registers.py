"""The registers as declarations: each is mostly a list of its fields.

A ``Register`` says which model it keeps, the fields a person enters (form, API, import and export,
in that order), the list's columns, filters and search, which fields are phones (masked as staffing
masks them), which center levels keep it, and its own checks. Everything else — the pages, the API
viewset, the import and export, the history, the attachments, the year lock — is generic
(activities.services / views / excel / api) and reads these declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.http import Http404
from django.utils import timezone

from centers.choices import CenterLevel

from . import models as m
from .choices import TeamStatus

STREET_TOWN = (CenterLevel.STREET_TOWN,)
ANY_LEVEL = (CenterLevel.DISTRICT, CenterLevel.STREET_TOWN, CenterLevel.INDUSTRY)
STEP_LINE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*(.*)$")


@dataclass(frozen=True)
class Register:
    slug: str
    model: type
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    levels: tuple[str, ...] = ANY_LEVEL
    import_key: tuple[str, ...] = ()  # rows matching these fields are updated by an import
    checks: tuple[Callable, ...] = ()
    intro: str = ""
    select: tuple[str, ...] = field(default=())
    # What happens to a row later (a team cancelled, a warning closed, an incubation left): these
    # fields may still be recorded once the row's year is submitted, dated by ``follow_up_on`` in a
    # year still open (activities.services.register_update) — the frozen year is not rewritten.
    follow_up: tuple[str, ...] = ()
    follow_up_on: str | None = None
    # Other names of the import's columns (a source's own sheet, e.g. the bureau's 年检 export): header
    # → field. With ``import_skips_outside`` rows of the district's organizations outside the center's
    # area are skipped and counted (a district-wide export), not refused.
    import_headers: dict[str, str] = field(default_factory=dict)
    import_skips_outside: bool = False

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    def field(self, name):
        return self.model._meta.get_field(name)

    def field_label(self, name) -> str:
        if name == "age":
            return "已处置天数"
        return str(self.field(name).verbose_name)

    @property
    def m2m(self) -> tuple[str, ...]:
        return tuple(n for n in self.fields if self.field(n).many_to_many)

    @property
    def foreign_keys(self) -> tuple[str, ...]:
        return tuple(n for n in self.fields if self.field(n).many_to_one)

    @property
    def date_fields(self) -> tuple[str, ...]:
        from django.db.models import DateField

        return tuple(n for n in self.fields if isinstance(self.field(n), DateField))


# ---- the checks of particular registers (each returns {field: [message]}) -------------------------------
def _team_status(row) -> dict:
    if row.status == TeamStatus.CANCELLED and not row.status_on:
        return {"status_on": ["状态为“已注销”时请填写注销日期。"]}
    if row.status == TeamStatus.ON_FILE and row.status_on:
        return {"status_on": ["状态为“在册”时注销日期应留空；如团队已注销，请将状态改为“已注销”。"]}
    if row.status_on and row.filed_on and row.status_on < row.filed_on:
        return {"status_on": [f"注销日期早于备案日期 {row.filed_on:%Y-%m-%d}，请检查。"]}
    return {}


def parse_steps(text: str) -> list[tuple[date, str]]:
    """The dated lines of an early warning's steps; raises ValueError naming the bad line."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        found = STEP_LINE.match(line)
        if not found:
            raise ValueError(
                f"第 {number} 行“{line.strip()[:30]}”没有以日期开头，请写成“2025-03-02 电话联系负责人”。"
            )
        try:
            on = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            raise ValueError(f"第 {number} 行的日期“{line.strip()[:10]}”不存在，请检查。") from None
        out.append((on, found.group(4).strip()))
    return out


def _warning(row) -> dict:
    errors: dict[str, list[str]] = {}
    try:
        steps = parse_steps(row.steps)
    except ValueError as exc:
        errors["steps"] = [f"处置措施：{exc}"]
        steps = []
    for on, _text in steps:
        if row.found_on and on < row.found_on:
            errors.setdefault("steps", []).append(
                f"处置措施中的日期 {on:%Y-%m-%d} 早于发现日期 {row.found_on:%Y-%m-%d}，请检查。"
            )
    if row.closed_on and row.found_on and row.closed_on < row.found_on:
        errors["closed_on"] = [f"办结日期早于发现日期 {row.found_on:%Y-%m-%d}，请检查。"]
    if row.closed_on and not (row.outcome or "").strip():
        errors["outcome"] = ["已填写办结日期时请写明处置结果。"]
    return errors


def _left_after_entered(row) -> dict:
    if row.left_on and row.left_on < row.entered_on:
        return {"left_on": [f"出园日期早于入驻日期 {row.entered_on:%Y-%m-%d}，请检查。"]}
    return {}


def _finished_after_started(row) -> dict:
    if row.finished_on and row.finished_on < row.started_on:
        return {"finished_on": [f"结题日期早于立项日期 {row.started_on:%Y-%m-%d}，请检查。"]}
    return {}


def _trained_after_appointed(row) -> dict:
    if row.trained_on and row.trained_on.year < 2000:
        return {"trained_on": ["培训日期不合理（早于 2000 年），请检查。"]}
    return {}


def _visited_center(row) -> dict:
    visited = row.visited_center
    if visited is None:
        return {}
    if visited.pk == row.center_id or visited.level != CenterLevel.STREET_TOWN:
        return {"visited_center": ["请选择被指导的街镇服务中心（不能是本中心）。"]}
    return {}


REGISTERS: dict[str, Register] = {
    r.slug: r
    for r in [
        Register(
            "activity-teams",
            m.ActivityTeam,
            fields=(
                "name",
                "kind",
                "leader",
                "contact",
                "members",
                "venue",
                "filed_on",
                "status",
                "status_on",
            ),
            columns=("name", "kind", "leader", "contact", "members", "filed_on", "status"),
            filters=("kind", "status"),
            search=("name", "leader", "venue"),
            masked=("contact",),
            checks=(_team_status,),
            follow_up=("status", "status_on"),
            follow_up_on="status_on",
            intro="社区群众活动团队的备案：团队注销时登记注销日期，记录保留。",
        ),
        Register(
            "early-warnings",
            m.EarlyWarning,
            fields=("organization", "category", "found_on", "source", "steps", "closed_on", "outcome"),
            columns=("organization", "category", "found_on", "closed_on", "age"),
            filters=("category",),
            search=("organization__name", "source", "outcome"),
            checks=(_warning,),
            follow_up=("steps", "closed_on", "outcome"),
            follow_up_on="closed_on",
            intro="发现的预警线索及其处置：处置措施每行一条、以日期开头；未办结的预警显示已处置天数，超过 30 天的在中心页面提示。",
        ),
        Register(
            "site-inspections",
            m.SiteInspection,
            fields=(
                "applicant_name",
                "organization",
                "inspected_on",
                "inspectors",
                "venue_checked",
                "conclusion",
            ),
            columns=("applicant_name", "organization", "inspected_on", "inspectors", "conclusion"),
            filters=("conclusion",),
            search=("applicant_name", "inspectors", "venue_checked"),
            follow_up=("organization",),
            intro="新申请登记的社会组织的现场勘察；勘察报告作为佐证材料上传。",
        ),
        Register(
            "annual-inspections",
            m.AnnualInspection,
            fields=("organization", "year", "result", "inspected_on", "center_help"),
            columns=("organization", "year", "result", "inspected_on", "center_help"),
            filters=("result", "center_help"),
            search=("organization__name", "organization__credit_code"),
            import_key=("organization", "year"),
            import_headers={
                "社会组织名称": "organization",
                "单位名称": "organization",
                "年度": "year",
                "年检结论": "result",
                "结论": "result",
                "结论日期": "inspected_on",
                "年检时间": "inspected_on",
            },
            import_skips_outside=True,
            intro="辖区社会组织的年度检查结果及中心提供的协助；可导入区民政局的年检导出表（全区的表也可，辖区以外的社会组织自动跳过）。",
        ),
        Register(
            "trainings-held",
            m.TrainingHeld,
            fields=("topic", "held_on", "kind", "trainees", "organizations"),
            columns=("topic", "held_on", "kind", "trainees", "organizations"),
            filters=("kind",),
            search=("topic",),
            intro="本中心举办的培训（本中心人员参加的培训请在“人员名册—参加培训”登记）。",
        ),
        Register(
            "information-officers",
            m.InformationOfficer,
            fields=("organization", "name", "contact", "appointed_on", "trained_on"),
            columns=("organization", "name", "contact", "appointed_on", "trained_on"),
            search=("organization__name", "name"),
            masked=("contact",),
            checks=(_trained_after_appointed,),
            follow_up=("trained_on",),
            follow_up_on="trained_on",
            import_key=("organization",),
            intro="每家社会组织一名信息员。",
        ),
        Register(
            "incubations",
            m.Incubation,
            fields=("name", "organization", "entered_on", "left_on", "support", "outcome"),
            columns=("name", "organization", "entered_on", "left_on", "outcome"),
            filters=("outcome",),
            search=("name", "support"),
            checks=(_left_after_entered,),
            follow_up=("organization", "left_on", "outcome"),
            follow_up_on="left_on",
            intro="入驻孵化的社会组织或申请单位。",
        ),
        Register(
            "welfare-projects",
            m.WelfareProject,
            fields=("title", "kind", "funder", "amount", "started_on", "organizations"),
            columns=("title", "kind", "funder", "amount", "started_on", "organizations"),
            filters=("kind",),
            search=("title", "funder"),
            intro="公益招投标、公益创投和政府委托项目；各环节（材料收集 → 资格预审 → 立项 → 项目监管 → 绩效评估 → 结项）依次登记。",
        ),
        Register(
            "needs-surveys",
            m.NeedsSurvey,
            fields=("topic", "surveyed_on", "method", "respondents"),
            columns=("topic", "surveyed_on", "method", "respondents"),
            filters=("method",),
            search=("topic",),
            intro="社区需求调研；调研报告作为佐证材料上传。",
        ),
        Register(
            "community-meetings",
            m.CommunityMeeting,
            fields=("kind", "held_on", "convened_by", "organizations", "attendees", "topics"),
            columns=("kind", "held_on", "convened_by", "organizations", "topics"),
            filters=("kind",),
            search=("convened_by", "attendees", "topics"),
            intro="联席会议、例会和列席街镇社区治理会议；会议纪要作为佐证材料上传。",
        ),
        Register(
            "research-projects",
            m.ResearchProject,
            fields=("title", "lead", "partners", "started_on", "finished_on", "outcome"),
            columns=("title", "lead", "started_on", "finished_on", "outcome"),
            search=("title", "lead", "partners"),
            levels=(CenterLevel.INDUSTRY, CenterLevel.DISTRICT),
            checks=(_finished_after_started,),
            follow_up=("finished_on", "outcome"),
            follow_up_on="finished_on",
            intro="行业服务中心的课题研究。",
        ),
        Register(
            "credit-records",
            m.CreditRecord,
            fields=("organization", "kind", "recorded_on", "result"),
            columns=("organization", "kind", "recorded_on", "result"),
            filters=("kind",),
            search=("organization__name", "result"),
            levels=(CenterLevel.INDUSTRY,),
            intro="本行业社会组织的信用承诺、信用评价及结果运用。",
        ),
        Register(
            "guidance-visits",
            m.GuidanceVisit,
            fields=("visited_center", "visited_on", "topics", "follow_up"),
            columns=("visited_center", "visited_on", "topics", "follow_up"),
            search=("visited_center__name", "topics"),
            levels=(CenterLevel.DISTRICT,),
            checks=(_visited_center,),
            intro="区级服务中心对街镇服务中心的业务指导。",
        ),
    ]
}


def register_for(slug: str) -> Register:
    try:
        return REGISTERS[slug]
    except KeyError:
        raise Http404("未找到该台账。") from None


def register_of(model) -> Register:
    return next(r for r in REGISTERS.values() if r.model is model)


def warning_age(row, today: date | None = None) -> int:
    """Days a warning has been (or was) open: to its closing date, or to today while open."""
    today = today or timezone.localdate()
    return ((row.closed_on or today) - row.found_on).days


OVERDUE_DAYS = 30

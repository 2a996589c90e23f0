"""Excel import/export for the roster and the talent pool (core.spreadsheets).

The talent-pool import is a job on the worker (``core.import_flow``): the sheet is streamed, every row
checked and the profiles written in bulk — all or nothing: if any row has an error, nothing is saved
and each error names its row, column, value and fix ("第 3 行", "从业年限：…").
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from centers.selectors import current_district
from core import spreadsheets
from core.audit import log_action
from core.errors import ApplicationError
from core.import_flow import (
    MAX_CHECKED_ERRORS,
    PREVIEW_SHEET_ROWS,
    ImportFlow,
    Outcome,
    Preview,
    first_rows,
    import_work,
)
from core.spreadsheets import XLSX, attachment  # noqa: F401  (the views' names for them)

from .choices import ExpertiseField, Gender
from .models import TalentProfile
from .selectors import mask_phone, phone_for
from .services import talent_errors
from .validators import normalize_phone

MAX_IMPORT_ROWS = 5000

TALENT_COLUMNS = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("organization_name", "所在社会组织"),
    ("expertise", "专业领域"),
    ("expertise_detail", "专长说明"),
    ("certificates", "资格证书"),
    ("years_of_experience", "从业年限"),
    ("willing_to_lecture", "愿意授课"),
    ("willing_to_consult", "愿意提供咨询"),
    ("mobile_phone", "联系电话"),
    ("is_leading_talent", "领军人才"),
    ("is_party_backbone", "党员骨干"),
]
# The two flags came later: a file without their columns still imports and leaves them as they are.
OPTIONAL_TALENT_COLUMNS = ("领军人才", "党员骨干")
YES = {"是", "愿意", "y", "yes", "true", "1", "√"}
NO = {"否", "不愿意", "n", "no", "false", "0", ""}


def _money(value: Decimal | None):
    return float(value) if value is not None else None


# ---- roster export --------------------------------------------------------------------------------


def roster_workbook(center, on, members, *, masked: bool) -> bytes:
    """The roster on ``on``; phones masked when the reader is not the center or the bureau."""
    rows = [
        [f"{center.name} 人员名册（{on:%Y年%m月%d日}在册）"],
        [
            "姓名",
            "性别",
            "人员类别",
            "返聘",
            "岗位",
            "法定代表人",
            "入职日期",
            "离职日期",
            "社区工作者岗位等级",
            "月薪酬（元）",
            "车费补贴（元/月）",
            "餐费补贴（元/月）",
            "社会工作者职业资格",
            "其他证书",
            "联系电话",
        ],
    ]
    for m in members:
        rows.append(
            [
                m.name,
                m.get_gender_display() if m.gender else "",
                m.get_kind_display(),
                "是" if m.is_rehired else "否",
                m.get_position_display(),
                "是" if m.is_legal_representative else "否",
                m.start_date,
                m.end_date,
                m.post_grade,
                _money(m.monthly_pay),
                _money(m.transport_subsidy),
                _money(m.meal_subsidy),
                m.get_social_worker_level_display() if m.social_worker_level else "",
                m.other_certificates,
                mask_phone(m.mobile_phone) if masked else m.mobile_phone,
            ]
        )
    return spreadsheets.workbook_bytes([("人员名册", rows)])


# ---- the district staffing table ----------------------------------------------------------------------
DISTRICT_HEADER = [
    "服务中心",
    "街镇",
    "社会组织数（N）",
    "应配专职人员",
    "专职",
    "缺专职",
    "兼职",
    "劳务",
    "其中返聘",
    "志愿者",
    "薪酬情况",
]


def _district_counts(row, f, pay: str) -> list:
    shortfall = row["shortfall"] if row["short"] else 0
    return [f.full_time, shortfall, f.part_time, f.labor, f.rehired, f.volunteers, pay or "均达标"]


def district_workbook(rows: list[dict], on) -> bytes:
    """The bureau's district staffing table (``selectors.district_staffing_rows``) as it reads on the
    page: one row per center, the pay findings named in words."""
    from core.vocabulary import name_rules, rule_text, state_label

    body = [DISTRICT_HEADER]
    for row in rows:
        center, f = row["center"], row["figures"]
        pay = "；".join(
            f"{state_label(p.status)} {rule_text(p.rule)}：{name_rules(p.detail)}"
            for p in row["pay_findings"]
            if p.status in ("not_met", "no_data")
        )
        body.append(
            [
                center.name,
                str(center.street_town or ""),
                row["n"],
                "不设比例" if row["required"] is None else row["required"],
                *(_district_counts(row, f, pay) if f else ["", "", "", "", "", "", "尚未登记人员名册"]),
            ]
        )
    return spreadsheets.workbook_bytes([(f"全区人员配备（{on:%Y-%m-%d}）", body)])


# ---- talent pool ----------------------------------------------------------------------------------


def talent_workbook(profiles, visible_center_ids) -> bytes:
    rows = [[label for _, label in TALENT_COLUMNS]]
    for p in profiles:
        rows.append(
            [
                p.name,
                p.get_gender_display() if p.gender else "",
                p.organization_name,
                p.get_expertise_display(),
                p.expertise_detail,
                p.certificates,
                p.years_of_experience,
                "是" if p.willing_to_lecture else "否",
                "是" if p.willing_to_consult else "否",
                phone_for(visible_center_ids, p.center_id, p.mobile_phone),
                "是" if p.is_leading_talent else "否",
                "是" if p.is_party_backbone else "否",
            ]
        )
    return spreadsheets.workbook_bytes([("专业人才档案库", rows)])


def talent_template() -> bytes:
    example = [
        "张三",
        "男",
        f"{current_district().name}某社会工作服务社",
        "社会工作",
        "社区治理项目设计",
        "社会工作师",
        8,
        "是",
        "否",
        "13812345678",
        "否",
        "是",
    ]
    notes = [
        ["列", "说明"],
        ["性别", "男 / 女，可留空"],
        ["专业领域", "、".join(str(label) for _, label in ExpertiseField.choices)],
        ["从业年限", "0–70 的整数"],
        ["愿意授课 / 愿意提供咨询", "是 / 否"],
        ["联系电话", "手机号（11 位）或带区号的固定电话（如 021-59721234）"],
        ["领军人才 / 党员骨干", "是 / 否；不含这两列的文件导入时不改变已有人员的这两项"],
        ["说明", "同一建档中心内“姓名 + 所在社会组织”相同视为同一人，导入时更新其信息"],
    ]
    header = [label for _, label in TALENT_COLUMNS]
    return spreadsheets.workbook_bytes([("专业人才档案库", [header, example])], notes=notes)


def _parse_row(values: dict[str, str], present: set[str] | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """A row's cells (text) → the profile's fields and the errors as (field, message with the fix)."""
    errors: list[tuple[str, str]] = []
    data: dict = {}
    for field in ("name", "organization_name", "expertise_detail", "certificates"):
        data[field] = values.get(field, "")
    gender = values.get("gender", "")
    genders = {str(label): value for value, label in Gender.choices}
    if gender and gender not in genders:
        errors.append(("gender", f"性别：“{gender}”无效，请填“男”或“女”，或留空。"))
    data["gender"] = genders.get(gender, "")
    expertise = values.get("expertise", "")
    fields = {str(label): value for value, label in ExpertiseField.choices}
    if expertise not in fields:
        errors.append(
            ("expertise", f"专业领域：“{expertise}”不在可选范围内，请从“填写说明”页列出的领域中选择。")
        )
    data["expertise"] = fields.get(expertise, "")
    years = values.get("years_of_experience", "") or "0"
    try:
        data["years_of_experience"] = int(Decimal(years))
    except (ArithmeticError, ValueError):
        errors.append(("years_of_experience", f"从业年限：“{years}”不是整数，请填写 0–70 的整数。"))
        data["years_of_experience"] = 0
    flags = [("willing_to_lecture", "愿意授课"), ("willing_to_consult", "愿意提供咨询")]
    flags += [
        (f, label)
        for f, label in (("is_leading_talent", "领军人才"), ("is_party_backbone", "党员骨干"))
        if present is None or label in present
    ]
    for field, label in flags:
        text = values.get(field, "").lower()
        if text in YES:
            data[field] = True
        elif text in NO:
            data[field] = False
        else:
            errors.append((field, f"{label}：“{values.get(field)}”无效，请填“是”或“否”。"))
            data[field] = False
    data["mobile_phone"] = normalize_phone(values.get("mobile_phone", ""))
    return data, errors


# ---- the talent-pool import: a job on the worker (core.import_flow) ---------------------------------
TALENT_FIELD_COLUMNS = [(label, field) for field, label in TALENT_COLUMNS]
REQUIRED_TALENT_COLUMNS = [label for _, label in TALENT_COLUMNS if label not in OPTIONAL_TALENT_COLUMNS]
OPTIONAL_TALENT_FIELDS = tuple(f for f, label in TALENT_COLUMNS if label in OPTIONAL_TALENT_COLUMNS)
LABEL_OF = dict(TALENT_COLUMNS)
TALENT_BATCH_ROWS = 1000
TALENT_WRITTEN_FIELDS = [f for f, _label in TALENT_COLUMNS if f != "name" and f != "organization_name"]


def _talent_rows(name: str, source, *, head: int | None = None):
    """The sheet's rows as a stream (.xlsx only, at most ``MAX_IMPORT_ROWS``); a flag column the file
    lacks gives None (keep what is recorded). With ``head``, only the sheet's first rows (a preview)."""
    return spreadsheets.iter_rows_by_header(
        spreadsheets.iter_table(name, source, csv_allowed=False, max_rows=MAX_IMPORT_ROWS, head=head),
        TALENT_FIELD_COLUMNS,
        required=REQUIRED_TALENT_COLUMNS,
        none_when_absent=OPTIONAL_TALENT_FIELDS,
    )


class TalentRowChecker:
    """Checks one row at a time; errors (row, column, value, fix) go to ``errors``; ``check(row)``
    returns the profile's fields, or None when the row is wrong."""

    def __init__(self, center):
        self.center = center
        self.errors: list[spreadsheets.RowError] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.total = 0

    def check(self, row: dict) -> dict | None:
        self.total += 1
        number = row["_row"]
        present = {LABEL_OF[f] for f in OPTIONAL_TALENT_FIELDS if row.get(f) is not None}
        values = {f: spreadsheets.cell_text(v) for f, v in row.items() if f != "_row"}
        data, row_errors = _parse_row(values, present)
        key = (data["name"], data["organization_name"])
        if key in self.seen:
            row_errors.append(
                ("name", f"与第 {self.seen[key]} 行重复（姓名和所在社会组织相同），请合并为一行。")
            )
        else:
            self.seen[key] = number
        candidate = TalentProfile(center=self.center, **data)
        for field, messages in talent_errors(candidate).items():
            label = LABEL_OF.get(field, str(TalentProfile._meta.get_field(field).verbose_name))
            row_errors.extend((field, m if m.startswith(label) else f"{label}：{m}") for m in messages)
        for field, message in row_errors:
            self.errors.append(spreadsheets.RowError(number, LABEL_OF[field], values.get(field, ""), message))
        return None if row_errors else data


def talent_preview(name: str, path, params: dict) -> Preview:
    from centers.models import ServiceCenter

    checker = TalentRowChecker(ServiceCenter.objects.get(pk=params["center"]))
    rows = first_rows(
        _talent_rows(name, path, head=PREVIEW_SHEET_ROWS), checker.check, [f for f, _label in TALENT_COLUMNS]
    )
    if not rows:
        raise ApplicationError("文件中没有数据行。", fields={"file": ["请在表头下方逐行填写人才信息。"]})
    return Preview(
        header=[label for _f, label in TALENT_COLUMNS],
        rows=rows,
        errors=checker.errors,
        total_hint=spreadsheets.row_count_hint(name, path),
    )


def talent_import(*, name: str, source, center, actor, progress=None) -> Outcome:
    """Import the talent pool of ``center`` from an .xlsx (bytes or a path), streamed: every row
    checked, the new and changed profiles written in batches (with their history) — all in one
    transaction, nothing when any row is wrong. Matched by 姓名 + 所在社会组织 within the center."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    checker = TalentRowChecker(center)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {(p.name, p.organization_name): p for p in TalentProfile.objects.filter(center=center)}

        def write(batch):
            nonlocal created, updated, unchanged
            new, changed = [], []
            for data in batch:
                profile = existing.get((data["name"], data["organization_name"]))
                if profile is None:
                    new.append(TalentProfile(center=center, **data))
                elif any(getattr(profile, f) != v for f, v in data.items()):
                    for f, v in data.items():
                        setattr(profile, f, v)
                    profile.version += 1
                    changed.append(profile)
                else:
                    unchanged += 1
            if new:
                bulk_create_with_history(new, TalentProfile, batch_size=TALENT_BATCH_ROWS, default_user=actor)
            if changed:
                bulk_update_with_history(
                    changed,
                    TalentProfile,
                    [*TALENT_WRITTEN_FIELDS, "version"],
                    batch_size=TALENT_BATCH_ROWS,
                    default_user=actor,
                )
            created += len(new)
            updated += len(changed)

        batch: list[dict] = []
        for row in _talent_rows(name, source):
            data = checker.check(row)
            if checker.errors:
                batch = []  # nothing more is written; the rest is still checked for the report
                if len(checker.errors) > MAX_CHECKED_ERRORS:
                    break
                continue
            batch.append(data)
            if len(batch) >= TALENT_BATCH_ROWS:
                write(batch)
                batch = []
                if progress:
                    progress(checker.total)
        if not checker.errors and batch:
            write(batch)
        if progress:
            progress(checker.total)
        if checker.errors:
            transaction.set_rollback(True)
            return Outcome(total=checker.total, errors=checker.errors)
        if not checker.total:
            raise ApplicationError("文件中没有数据行。", fields={"file": ["请在表头下方逐行填写人才信息。"]})
        log_action(
            "staffing.talent.imported",
            actor=actor,
            obj=center,
            data={"created": created, "updated": updated, "file": name},
        )
    return Outcome(
        total=checker.total,
        summary=f"导入完成：新增 {created} 人，更新 {updated} 人。"
        + (f"另有 {unchanged} 人无变化。" if unchanged else ""),
        result={"created": created, "updated": updated, "unchanged": unchanged},
    )


def _talent_authorize(actor, params: dict) -> None:
    """The keeper of the talent pool (the district center's director, or the bureau for it) only."""
    from django.http import Http404

    from .selectors import talent_keeper_for

    keeper = talent_keeper_for(actor)
    if keeper is None or (params.get("center") is not None and keeper.pk != params["center"]):
        raise Http404("未找到该页面，或您无权访问。")


def _talent_run(job, name: str, path: str, progress) -> Outcome:
    from centers.models import ServiceCenter

    center = ServiceCenter.objects.get(pk=job.params["center"])
    return talent_import(name=name, source=path, center=center, actor=job.requester, progress=progress)


TALENT_IMPORT = ImportFlow(
    kind="staffing.talent_import",
    what="导入人才库",
    task="staffing.tasks.talent_import_task",
    session_key="staffing_talent_import",
    preview=talent_preview,
    run=_talent_run,
    queued_action="staffing.talent.import_queued",
    authorize=_talent_authorize,
    done_url="staffing:talent_list",
    done_label="查看专业人才档案库",
)


def talent_import_work(job, ctx) -> dict:
    """The job (staffing.tasks.talent_import_task)."""
    return import_work(TALENT_IMPORT, job, ctx)

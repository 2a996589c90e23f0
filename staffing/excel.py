"""Excel import/export for the roster and the talent pool (openpyxl).

The talent-pool import is all or nothing: every row is checked first; if any row has an error, nothing
is saved and each error names its row and column ("第 3 行", "从业年限：…").
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from centers.selectors import current_district
from core import spreadsheets
from core.audit import log_action
from core.errors import ApplicationError
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


def _parse_row(values: dict[str, str], present: set[str] | None = None) -> tuple[dict, list[str]]:
    errors: list[str] = []
    data: dict = {}
    for field in ("name", "organization_name", "expertise_detail", "certificates"):
        data[field] = values.get(field, "")
    gender = values.get("gender", "")
    genders = {str(label): value for value, label in Gender.choices}
    if gender and gender not in genders:
        errors.append(f"性别：“{gender}”无效，请填“男”或“女”，或留空。")
    data["gender"] = genders.get(gender, "")
    expertise = values.get("expertise", "")
    fields = {str(label): value for value, label in ExpertiseField.choices}
    if expertise not in fields:
        errors.append(f"专业领域：“{expertise}”不在可选范围内，请从“填写说明”页列出的领域中选择。")
    data["expertise"] = fields.get(expertise, "")
    years = values.get("years_of_experience", "") or "0"
    try:
        data["years_of_experience"] = int(Decimal(years))
    except (ArithmeticError, ValueError):
        errors.append(f"从业年限：“{years}”不是整数，请填写 0–70 的整数。")
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
            errors.append(f"{label}：“{values.get(field)}”无效，请填“是”或“否”。")
            data[field] = False
    data["mobile_phone"] = normalize_phone(values.get("mobile_phone", ""))
    return data, errors


def talent_import(upload, *, center, actor) -> dict:
    """Import the talent pool from an .xlsx upload: all rows or none."""
    from django.conf import settings

    data = upload.read(settings.IMPORT_MAX_BYTES + 1)
    table = spreadsheets.read_table(
        getattr(upload, "name", "") or "upload.xlsx", data, csv_allowed=False, max_rows=MAX_IMPORT_ROWS
    )
    columns = [(label, field) for field, label in TALENT_COLUMNS]
    required = [label for _, label in TALENT_COLUMNS if label not in OPTIONAL_TALENT_COLUMNS]
    rows = spreadsheets.rows_by_header(table, columns, required=required, max_rows=MAX_IMPORT_ROWS)
    header = {spreadsheets.cell_text(h) for h in (table[0] if table else [])}
    present = {label for label in OPTIONAL_TALENT_COLUMNS if label in header}
    existing = {(p.name, p.organization_name): p for p in TalentProfile.objects.filter(center=center)}
    parsed: list[tuple[int, dict, TalentProfile | None]] = []
    errors: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        number = row.pop("_row")
        values = {field: spreadsheets.cell_text(value) for field, value in row.items()}
        data, row_errors = _parse_row(values, present)
        key = (data["name"], data["organization_name"])
        if key in seen:
            row_errors.append(f"与第 {seen[key]} 行重复（姓名和所在社会组织相同），请合并为一行。")
        seen[key] = number
        profile = existing.get(key)
        candidate = TalentProfile(center=center, **data)
        for field, messages in talent_errors(candidate).items():
            label = str(TalentProfile._meta.get_field(field).verbose_name)
            row_errors.extend(m if m.startswith(label) else f"{label}：{m}" for m in messages)
        if row_errors:
            errors[f"第 {number} 行"] = row_errors
        parsed.append((number, data, profile))
    if errors:
        raise ApplicationError(
            f"共有 {len(errors)} 行有误，整份文件未导入。请按提示修改后重新上传。",
            fields=errors,
            code="import_rejected",
        )
    if not parsed:
        raise ApplicationError("文件中没有数据行。", fields={"file": ["请在表头下方逐行填写人才信息。"]})
    created = updated = 0
    with transaction.atomic():
        for _number, data, profile in parsed:
            if profile is None:
                TalentProfile.objects.create(center=center, **data)
                created += 1
            else:
                for field, value in data.items():
                    setattr(profile, field, value)
                profile.version += 1
                profile.save()
                updated += 1
        log_action(
            "staffing.talent.imported",
            actor=actor,
            obj=center,
            data={"created": created, "updated": updated, "file": getattr(upload, "name", "")},
        )
    return {"created": created, "updated": updated}

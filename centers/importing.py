"""Import and export of the social-organization registry (.xlsx / .csv).

``read_table(name, data)`` turns an upload into rows (or raises ApplicationError for a file that is
too large, not a spreadsheet, or lacks columns); ``validate_rows`` checks every row and returns the
row-level errors in Chinese (row number, column, value, what is wrong); ``import_organizations``
commits all rows or none; matched by credit code, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from core import spreadsheets
from core.audit import log_action
from core.import_flow import (
    PREVIEW_SHEET_ROWS,
    ImportFlow,
    Outcome,
    Preview,
    first_rows,
    import_start,
    import_work,
)
from core.selectors import policy_value
from core.spreadsheets import RowError

from .choices import OrganizationKind, OrganizationStatus, PartyStatus, RatingGrade
from .codes import make_credit_code
from .models import District, RatingRecord, SocialOrganization, StreetTown
from .rules import add_years
from .services import organization_problems
from .validators import normalise_credit_code

# Column header → field. The first seven are required; the rating columns are optional.
COLUMNS = [
    ("名称", "name"),
    ("统一社会信用代码", "credit_code"),
    ("类型", "kind"),
    ("登记日期", "registered_on"),
    ("所属街镇", "street_town"),
    ("所属行业", "industry"),
    ("状态", "status"),
    ("注销日期", "deregistered_on"),
    ("评估等级", "grade"),
    ("评估日期", "rated_on"),
    ("党组织覆盖情况", "party_status"),
    ("覆盖情况日期", "party_status_on"),
]
# Optional columns of the party-organization status: a file without them leaves it as it is.
PARTY_COLUMNS = ("党组织覆盖情况", "覆盖情况日期")
REQUIRED_COLUMNS = ["名称", "统一社会信用代码", "类型", "登记日期", "所属街镇", "所属行业", "状态"]
HEADER_OF = {f: h for h, f in COLUMNS}
KIND_BY_LABEL = {
    "社会团体": OrganizationKind.SOCIAL_GROUP,
    "民办非企业单位": OrganizationKind.PRIVATE_NON_ENTERPRISE,
    "社会服务机构": OrganizationKind.PRIVATE_NON_ENTERPRISE,
    "基金会": OrganizationKind.FOUNDATION,
    "1": OrganizationKind.SOCIAL_GROUP,
    "2": OrganizationKind.PRIVATE_NON_ENTERPRISE,
    "3": OrganizationKind.FOUNDATION,
}
STATUS_BY_LABEL = {
    "": OrganizationStatus.ACTIVE,
    "正常": OrganizationStatus.ACTIVE,
    "注销": OrganizationStatus.DEREGISTERED,
}
STATUS_BY_LABEL.update({s.value: s.value for s in OrganizationStatus})
PARTY_STATUS_BY_LABEL = {"": "", "未登记": "", **{str(s.label): s.value for s in PartyStatus}}
MAX_ROWS = 200_000


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)  # valid, parsed rows (only when no errors)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ratings_created: int = 0

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ratings_created": self.ratings_created,
            "errors": [str(e) for e in self.errors],
            "warnings": [str(w) for w in self.warnings],
        }


# ---- reading (core.spreadsheets) ---------------------------------------------------------------------


def read_table(name: str, data: bytes) -> list[dict]:
    """The rows of an uploaded .xlsx or .csv as dicts by field, each with its sheet row number."""
    table = spreadsheets.read_table(name, data, max_rows=MAX_ROWS)
    rows = spreadsheets.rows_by_header(table, COLUMNS, required=REQUIRED_COLUMNS, max_rows=MAX_ROWS)
    header = {str(spreadsheets.cell(h)) for h in table[0]} if table else set()
    if not all(h in header for h in PARTY_COLUMNS):
        for row in rows:  # None: keep what the registry holds
            row["party_status"] = row["party_status_on"] = None
    return rows


def preview_rows(name: str, path, params: dict | None = None) -> Preview:
    """The header check and the first rows, validated — read as a stream that stops there (the
    request never reads a 200,000-row sheet through); the job checks every row."""
    result = ImportResult()
    validator = RowValidator(result)
    stream = spreadsheets.iter_rows_by_header(
        spreadsheets.iter_table(name, path, head=PREVIEW_SHEET_ROWS),
        COLUMNS,
        required=REQUIRED_COLUMNS,
        none_when_absent=PARTY_FIELDS,
    )
    rows = first_rows(stream, validator.check, [f for _h, f in COLUMNS])
    return Preview(
        header=[h for h, _f in COLUMNS],
        rows=rows,
        errors=result.errors,
        total_hint=spreadsheets.row_count_hint(name, path),
    )


# ---- validating --------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    match = _DATE_RE.match(str(value).strip())
    if not match:
        raise ValueError
    return date(int(match[1]), int(match[2]), int(match[3]))


class RowValidator:
    """Checks one row at a time (so an import can stream its sheet); errors name the row, column and
    value, in Chinese. ``check(row)`` returns the parsed row, or None when the row has an error."""

    def __init__(self, result: ImportResult, district: District | None = None):
        if district is None:
            from .selectors import current_district

            district = current_district()
        self.district = district
        self.street_towns = {st.name: st.pk for st in StreetTown.objects.filter(district=district)}
        self.today = timezone.localdate()
        self.result = result
        self.seen: dict[str, int] = {}

    def _error(self, row, f, message):
        self.result.errors.append(RowError(row["_row"], HEADER_OF[f], str(row.get(f, "")), message))

    def check(self, row: dict) -> dict | None:
        result, error, today, street_towns = self.result, self._error, self.today, self.street_towns
        result.total += 1
        before = len(result.errors)
        name = str(row["name"]).strip()
        if not name:
            error(row, "name", "名称不能为空。")
        elif len(name) > 200:
            error(row, "name", "名称过长（不超过 200 字）。")
        code = normalise_credit_code(str(row["credit_code"]))
        kind = KIND_BY_LABEL.get(str(row["kind"]).strip())
        if kind is None:
            error(row, "kind", "类型应为 社会团体、民办非企业单位（社会服务机构）或 基金会。")
        dates = {}
        for f in ("registered_on", "deregistered_on", "rated_on", "party_status_on"):
            if row.get(f) in ("", None):
                dates[f] = None
                continue
            try:
                dates[f] = _parse_date(row[f])
            except ValueError:
                error(row, f, "日期格式应为 YYYY-MM-DD（如 2020-05-18）。")
                dates[f] = None
                continue
            if dates[f] > today:
                error(row, f, "日期晚于今天，不能是将来的日期。")
        if not row["registered_on"]:
            error(row, "registered_on", "登记日期不能为空。")
        street_town_name = str(row["street_town"]).strip()
        street_town_id = street_towns.get(street_town_name) if street_town_name else None
        if street_town_name and street_town_id is None:
            error(row, "street_town", f"不是本区的街镇；应为：{'、'.join(street_towns)}。")
        status = STATUS_BY_LABEL.get(str(row["status"]).strip())
        if status is None:
            error(row, "status", "状态应为 正常 或 注销。")
        grade_text = str(row["grade"]).strip().upper().replace("Ａ", "A")
        grade = None
        if grade_text:
            digits = grade_text.rstrip("A")
            if digits.isdigit() and int(digits) in RatingGrade.values:
                grade = int(digits)
            else:
                error(row, "grade", "评估等级应为 1A 至 5A。")
        if grade and not dates["rated_on"] and not row["rated_on"]:
            error(row, "rated_on", "填写了评估等级时须填写评估日期。")
        keep_party = row.get("party_status") is None
        party_status = "" if keep_party else PARTY_STATUS_BY_LABEL.get(str(row["party_status"]).strip())
        if party_status is None:
            error(
                row,
                "party_status",
                f"党组织覆盖情况应为 {'、'.join(str(s.label) for s in PartyStatus)}，或留空（未登记）。",
            )
            party_status = ""
        field_errors, warnings = organization_problems(
            credit_code=code,
            kind=kind or "",
            street_town_id=street_town_id or (street_town_name and -1),
            industry=str(row["industry"]).strip(),
            status=status or "",
            deregistered_on=dates["deregistered_on"],
            party_status="" if keep_party else party_status,
            party_status_on=None if keep_party else dates["party_status_on"],
        )
        for f, messages in field_errors.items():
            if f == "kind" and kind is None:
                continue
            for message in messages:
                error(row, f, message)
        for w in warnings:
            result.warnings.append(RowError(row["_row"], HEADER_OF["credit_code"], code, w))
        if code in self.seen:
            error(row, "credit_code", f"与第 {self.seen[code]} 行的统一社会信用代码重复。")
        else:
            self.seen[code] = row["_row"]
        if len(result.errors) != before:
            return None
        return {
            "_row": row["_row"],
            "name": name,
            "credit_code": code,
            "kind": kind,
            "registered_on": dates["registered_on"],
            "street_town_id": street_town_id,
            "industry": str(row["industry"]).strip(),
            "status": status,
            "deregistered_on": dates["deregistered_on"],
            "grade": grade,
            "rated_on": dates["rated_on"],
            "district_id": self.district.pk,
            # a file without the party columns keeps what the registry holds
            **(
                {}
                if keep_party
                else {"party_status": party_status, "party_status_on": dates["party_status_on"]}
            ),
        }


def validate_rows(rows: list[dict], district: District | None = None) -> ImportResult:
    """Check every row; errors name the row, column and value. Valid rows are parsed in place."""
    result = ImportResult()
    validator = RowValidator(result, district)
    parsed_rows = [p for p in (validator.check(row) for row in rows) if p is not None]
    if not result.errors:
        result.rows = parsed_rows
    return result


# ---- committing --------------------------------------------------------------------------------------

ORG_FIELDS = (
    "name",
    "kind",
    "registered_on",
    "street_town_id",
    "industry",
    "status",
    "deregistered_on",
    "district_id",
)
PARTY_FIELDS = ("party_status", "party_status_on")


def plan_import(result: ImportResult, *, lock: bool = False) -> tuple[list, list, list]:
    """(new organizations, changed organizations, ratings to add) for ``result.rows``; no writes.

    With ``lock`` the matched rows stay locked until the import commits, so an edit made meanwhile is
    either seen (and the form's version is then stale) or waits; a changed row's version moves on."""
    codes = [r["credit_code"] for r in result.rows]
    existing = {}
    queryset = SocialOrganization.objects.select_for_update() if lock else SocialOrganization.objects.all()
    for start in range(0, len(codes), 5000):
        for org in queryset.filter(credit_code__in=codes[start : start + 5000]):
            existing[org.credit_code] = org
    to_create, to_update = [], []
    for row in result.rows:
        org = existing.get(row["credit_code"])
        fields = ORG_FIELDS + tuple(f for f in PARTY_FIELDS if f in row)
        if org is None:
            to_create.append(
                SocialOrganization(credit_code=row["credit_code"], **{f: row[f] for f in fields})
            )
        elif any(getattr(org, f) != row[f] for f in fields):
            for f in fields:
                setattr(org, f, row[f])
            org.version += 1
            to_update.append(org)
    return to_create, to_update, [r for r in result.rows if r["grade"]]


BATCH_ROWS = 2000  # rows validated, then planned and written together (bulk_create in batches)
HISTORY_META = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def _history_rows(model, ids: list[int], history_type: str, actor) -> None:
    """The simple_history rows of rows just written, copied by PostgreSQL (INSERT … SELECT) instead
    of built as Python objects (what ``bulk_create_with_history`` does — a quarter of the import's
    time): the same columns, date, type ("+" created, "~" changed) and user."""
    from django.db import connection

    history = model.history.model
    columns = [f.column for f in history._meta.concrete_fields if f.name not in HISTORY_META]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    table, source = history._meta.db_table, model._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            if connection.vendor == "postgresql":
                where, params = "id = ANY(%s)", [chunk]
            else:  # SQLite (development)
                where, params = f"id IN ({', '.join(['%s'] * len(chunk))})", chunk
            cursor.execute(
                f"INSERT INTO {table} ({quoted}, history_date, history_type, history_user_id, history_change_reason) "
                f"SELECT {quoted}, %s, %s, %s, NULL FROM {source} WHERE {where}",
                [timezone.now(), history_type, getattr(actor, "pk", None), *params],
            )


def _write_batch(batch: list[dict], result: ImportResult, *, actor, dry_run: bool, valid_years: int) -> None:
    part = ImportResult(rows=batch)
    to_create, to_update, rated = plan_import(part, lock=not dry_run)
    result.created += len(to_create)
    result.updated += len(to_update)
    result.unchanged += len(batch) - len(to_create) - len(to_update)
    if dry_run:
        return
    if to_create:
        SocialOrganization.objects.bulk_create(to_create, batch_size=BATCH_ROWS)
        _history_rows(SocialOrganization, [o.pk for o in to_create], "+", actor)
    if to_update:
        SocialOrganization.objects.bulk_update(
            to_update,
            [*(f.removesuffix("_id") for f in ORG_FIELDS), *PARTY_FIELDS, "version"],
            batch_size=BATCH_ROWS,
        )
        _history_rows(SocialOrganization, [o.pk for o in to_update], "~", actor)
    if rated:
        ids = {o.credit_code: o.pk for o in to_create if o.pk}
        missing = [r["credit_code"] for r in rated if r["credit_code"] not in ids]
        if missing:
            ids.update(
                SocialOrganization.objects.filter(credit_code__in=missing).values_list("credit_code", "pk")
            )
        have = set(
            RatingRecord.objects.filter(
                organization_id__in=[ids[r["credit_code"]] for r in rated]
            ).values_list("organization_id", "grade", "rated_on")
        )
        new = [
            RatingRecord(
                organization_id=ids[r["credit_code"]],
                grade=r["grade"],
                rated_on=r["rated_on"],
                valid_until=add_years(r["rated_on"], valid_years),
            )
            for r in rated
            if (ids[r["credit_code"]], r["grade"], r["rated_on"]) not in have
        ]
        if new:
            RatingRecord.objects.bulk_create(new, batch_size=BATCH_ROWS)
            _history_rows(RatingRecord, [r.pk for r in new], "+", actor)
        result.ratings_created += len(new)


def import_organizations(
    *, name: str, data: bytes | None = None, path=None, actor=None, dry_run: bool = False, progress=None
) -> ImportResult:
    """Validate and (unless ``dry_run`` or any row is wrong) import every row — all or nothing.

    The sheet (``data``, or the file at ``path``) is read by python-calamine and streamed; rows are
    validated one by one and written in batches of ``BATCH_ROWS`` (``bulk_create``), all in ONE
    transaction: the first wrong row stops the writing, the rest is still checked so that every error
    is reported, and the transaction is rolled back — nothing is imported. ``progress(rows_done)`` is
    called after every batch (the job's progress bar)."""
    from .compliance_table import ALL, compliance_changed

    result = ImportResult()
    rows = spreadsheets.iter_rows_by_header(
        spreadsheets.iter_table(name, data if data is not None else path, max_rows=MAX_ROWS),
        COLUMNS,
        required=REQUIRED_COLUMNS,
        none_when_absent=PARTY_FIELDS,
    )
    valid_years = int(policy_value("rating_valid_years"))
    with transaction.atomic():
        validator = RowValidator(result)
        batch: list[dict] = []
        for row in rows:
            parsed = validator.check(row)
            if result.errors:
                batch = []  # nothing more is written; the rows are still checked for the report
                if len(result.errors) > MAX_REPORTED_ERRORS:
                    break
                continue
            batch.append(parsed)
            if len(batch) >= BATCH_ROWS:
                _write_batch(batch, result, actor=actor, dry_run=dry_run, valid_years=valid_years)
                batch = []
                if progress:
                    progress(result.total)
        if batch and not result.errors:
            _write_batch(batch, result, actor=actor, dry_run=dry_run, valid_years=valid_years)
        if progress:
            progress(result.total)
        if result.errors or dry_run:
            transaction.set_rollback(True)
            return result
        if result.created or result.updated or result.ratings_created:
            compliance_changed(ALL)  # bulk writes send no signals: N of the centers moved
            log_action(
                "centers.organization.imported",
                actor=actor,
                data={
                    "file": name,
                    "created": result.created,
                    "updated": result.updated,
                    "ratings_created": result.ratings_created,
                    "rows": result.total,
                },
            )
    return result


MAX_REPORTED_ERRORS = 1000  # a sheet wrong throughout stops being checked after this many errors


# ---- writing -----------------------------------------------------------------------------------------


def export_organizations(queryset) -> bytes:
    """The (filtered) list as .xlsx with the import columns, so an export imports back unchanged."""
    kind_label = dict(OrganizationKind.choices)
    status_label = {OrganizationStatus.ACTIVE: "正常", OrganizationStatus.DEREGISTERED: "注销"}

    def rows():
        yield [h for h, _ in COLUMNS]
        for org in queryset.iterator(chunk_size=2000):
            grade = getattr(org, "rating_grade", None)
            rated_on = getattr(org, "rated_on", None)
            yield [
                org.name,
                org.credit_code,
                str(kind_label[org.kind]),
                org.registered_on.isoformat(),
                org.street_town.name if org.street_town_id else "",
                org.industry,
                status_label[org.status],
                org.deregistered_on.isoformat() if org.deregistered_on else "",
                f"{grade}A" if grade else "",
                rated_on.isoformat() if rated_on else "",
                org.get_party_status_display() if org.party_status else "",
                org.party_status_on.isoformat() if org.party_status_on else "",
            ]

    return spreadsheets.workbook_bytes([("社会组织", rows())])


def template_workbook() -> bytes:
    """The import template: the columns and two example rows that validate in this district (its
    name, its division code, its first street/town)."""
    from .selectors import current_district

    district = current_district()
    first_street_town = (
        StreetTown.objects.filter(district=district)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
        .first()
    )
    header = [h for h, _ in COLUMNS]
    examples = [
        [
            f"{district.name}示例志愿服务社",
            make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 10_000_001),
            "民办非企业单位",
            "2019-06-18",
            first_street_town or "",
            "",
            "正常",
            "",
            "3A",
            "2022-11-30",
            "联合组建",
            "2021-07-01",
        ],
        [
            f"{district.name}示例书画协会",
            make_credit_code(OrganizationKind.SOCIAL_GROUP, 10_000_002),
            "社会团体",
            "2017-03-02",
            "",
            "文化",
            "正常",
            "",
            "",
            "",
            "未覆盖",
            "",
        ],
    ]
    notes = (
        "第 1 行为列名，请勿修改；从第 2 行起每行一个社会组织。",
        "统一社会信用代码：18 位，第 2 位须与类型一致（1 社会团体、2 民办非企业单位、3 基金会）。",
        "类型：社会团体 / 民办非企业单位（或 社会服务机构）/ 基金会。",
        "日期格式：YYYY-MM-DD。所属街镇与所属行业至少填一项。",
        "状态：正常 或 注销（注销须填注销日期）。评估等级 1A–5A，填写时须有评估日期。",
        "党组织覆盖情况：单独组建 / 联合组建 / 党建指导员覆盖 / 未覆盖，或留空（未登记）；"
        "前三种须填覆盖情况日期（组建或选派指导员的日期）。不含这两列的文件导入时不改变已登记的覆盖情况。",
        "按统一社会信用代码匹配：已有的组织更新，没有的新增；同一文件重复导入不会产生变化。",
        "示例行可删除；它们可以通过校验。",
    )
    return spreadsheets.workbook_bytes([("社会组织", [header, *examples])], notes=notes)


# ---- as a job on the worker (issue 16 §7; core.import_flow) ----------------------------------------
IMPORT_JOB_KIND = "centers.organization_import"
IMPORT_JOBS_PER_10_MINUTES = 10


def _authorize(actor, params: dict) -> None:
    from django.http import Http404

    if not actor.has_perm("centers.add_socialorganization"):  # the bureau only
        raise Http404


def _run(job, name: str, path: str, progress) -> Outcome:
    result = import_organizations(name=name, path=path, actor=job.requester, progress=progress)
    return Outcome(
        total=result.total,
        errors=result.errors,
        summary=(
            f"导入完成：新增 {result.created} 家，更新 {result.updated} 家，未变化 {result.unchanged} 家，"
            f"新增评估记录 {result.ratings_created} 条。"
        ),
        result={
            **{k: v for k, v in result.as_dict().items() if k not in ("errors", "warnings")},
            "warnings": len(result.warnings),
        },
    )


ORGANIZATION_IMPORT = ImportFlow(
    kind=IMPORT_JOB_KIND,
    what="导入社会组织",
    task="centers.tasks.organization_import_task",
    session_key="centers_import",
    preview=preview_rows,
    run=_run,
    queued_action="centers.organization.import_queued",
    authorize=_authorize,
    done_url="centers:organization_list",
    done_label="查看社会组织名录",
    per_10_minutes=IMPORT_JOBS_PER_10_MINUTES,
)


def organization_import_start(*, actor, path: str, name: str):
    """Queue the import of the stored upload ``path`` as a job (the bureau only, at most
    ``IMPORT_JOBS_PER_10_MINUTES`` per person)."""
    return import_start(ORGANIZATION_IMPORT, actor=actor, path=path, name=name)


def organization_import_work(job, ctx) -> dict:
    """The job: stream the stored sheet, validate and write it — all or nothing."""
    return import_work(ORGANIZATION_IMPORT, job, ctx)

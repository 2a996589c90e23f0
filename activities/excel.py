"""Import and export of every register through core.spreadsheets (formula escaping, streaming reads,
row errors). An import is all or nothing: every row is parsed and checked by the same service as the
form (in a savepoint); one bad row and nothing is saved, each error naming its row and column in
Chinese. Registers with an ``import_key`` (年检: organization + year) update the matching rows, so the
bureau's 年检 export can be imported again as results come in."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import (
    DateField,
    DecimalField,
    IntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
)

from centers.models import ServiceCenter, SocialOrganization
from core import spreadsheets
from core.audit import log_action
from core.errors import ApplicationError
from core.spreadsheets import RowError

from . import services
from .registers import Register
from .selectors import cell

MAX_IMPORT_ROWS = 2000
CREDIT_CODE = "统一社会信用代码"
SEPARATORS = ("、", "，", ",", ";", "；")
DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*(?:年度|年)?\s*$")
HEADER_SEARCH_ROWS = 10  # a title or a date line may sit above a source's header row


def headers(register: Register) -> list[tuple[str, str]]:
    """(header, field) pairs of the sheet: the fields' Chinese labels, in the register's order."""
    return [(register.field_label(name), name) for name in register.fields]


def export_workbook(register: Register, rows, visible) -> bytes:
    columns = headers(register)
    sheet = [["服务中心", "年度", *[h for h, _f in columns]]]
    for row in rows:
        sheet.append([row.center.name, row.year, *[cell(register, row, f, visible) for _h, f in columns]])
    return spreadsheets.workbook_bytes([(register.label[:31], sheet)])


def template_workbook(register: Register) -> bytes:
    notes = [["列", "填写说明"]]
    for header, name in headers(register):
        model_field = register.field(name)
        if model_field.choices:
            hint = "可选：" + "、".join(str(label) for _v, label in model_field.choices)
        elif isinstance(model_field, DateField):
            hint = "日期，如 2025-03-02"
        elif model_field.many_to_many:
            hint = "辖区内社会组织的名称，多个用“、”分隔"
        elif model_field.related_model is SocialOrganization:
            hint = f"辖区内社会组织的名称；也可另加一列“{CREDIT_CODE}”按代码匹配"
        elif model_field.related_model is ServiceCenter:
            hint = "街镇服务中心的全称"
        elif isinstance(model_field, (IntegerField, DecimalField)):
            hint = "数字"
        else:
            hint = "文字"
        required = "" if model_field.blank or model_field.has_default() else "（必填）"
        notes.append([header, hint + required])
    if register.import_key:
        notes.append(
            [
                "说明",
                "与已有记录相同（"
                + "、".join(register.field_label(n) for n in register.import_key)
                + "）的行更新原记录",
            ]
        )
    notes.append(["说明", "任何一行有误时整份文件都不会导入"])
    header_row = [h for h, _f in headers(register)]
    return spreadsheets.workbook_bytes([(register.label[:31], [header_row])], notes=notes)


def _parse(register: Register, name: str, raw, lookups) -> object:
    """One cell as the field's value; raises ValueError with the fix in Chinese."""
    model_field = register.field(name)
    text = spreadsheets.cell_text(raw) if not isinstance(raw, (date, datetime)) else raw
    if model_field.many_to_many:
        names = [text] if text else []
        for separator in SEPARATORS:
            names = [part for piece in names for part in piece.split(separator)]
        out = []
        for part in (p.strip() for p in names):
            if part and part not in lookups["orgs_by_name"]:
                raise ValueError(f"“{part}”不是本中心辖区内登记的社会组织，请核对名称。")
            if part:
                out.append(lookups["orgs_by_name"][part])
        return out
    if text in ("", None):
        if not (model_field.blank or model_field.null or model_field.has_default()):
            raise ValueError("必填，请填写。")
        return None if model_field.null else ""
    if model_field.choices:
        by_label = {str(label): value for value, label in model_field.choices}
        if text not in by_label:
            raise ValueError("请填写以下之一：" + "、".join(by_label) + "。")
        return by_label[text]
    if isinstance(model_field, DateField):
        if isinstance(text, datetime):
            return text.date()
        if isinstance(text, date):
            return text
        found = DATE_TEXT.match(str(text))
        try:
            return date(*(int(part) for part in found.groups())) if found else date.fromisoformat(str(text))
        except ValueError:
            raise ValueError("不是有效的日期，请写成 2025-03-02。") from None
    if name == "year" and YEAR_TEXT.match(str(text)):
        return int(YEAR_TEXT.match(str(text)).group(1))  # “2025年度”
    if isinstance(model_field, (PositiveIntegerField, PositiveSmallIntegerField, IntegerField)):
        try:
            value = Decimal(str(text))
        except InvalidOperation:
            raise ValueError("应为整数。") from None
        if value != value.to_integral_value() or value < 0:
            raise ValueError("应为不小于 0 的整数。")
        return int(value)
    if isinstance(model_field, DecimalField):
        try:
            return Decimal(str(text))
        except InvalidOperation:
            raise ValueError("应为数字，如 12.5。") from None
    if model_field.related_model is SocialOrganization:
        found = lookups["orgs_by_name"].get(str(text))
        if found is None:
            raise ValueError("不是本中心辖区内登记的社会组织，请核对名称（或填写统一社会信用代码列）。")
        return found
    if model_field.related_model is ServiceCenter:
        found = lookups["centers_by_name"].get(str(text))
        if found is None:
            raise ValueError("不是本区的街镇服务中心，请填写其全称。")
        return found
    return str(text)


def _with_header_first(register: Register, table: list[list]) -> tuple[list[list], int]:
    """The table from its header row on (the row among the first few naming most known columns),
    the source's own column names turned into the register's; and how many rows were above it."""
    labels = {register.field_label(name) for name in register.fields}
    aliases = {alias: register.field_label(name) for alias, name in register.import_headers.items()}
    known = labels | set(aliases) | {CREDIT_CODE}
    best, index = 0, 0
    for number, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for value in row if str(spreadsheets.cell(value)) in known)
        if hits > best:
            best, index = hits, number
    header, taken = [], set()
    for value in table[index]:
        text = str(spreadsheets.cell(value))
        text = text if text in labels or text not in aliases else aliases[text]
        header.append(text if text not in taken else f"{text}（重复列）")
        taken.add(text)
    return [header, *table[index + 1 :]], index


def import_rows(register: Register, upload, *, center, actor) -> dict:
    """Import an .xlsx into ``register`` for ``center``: all rows or none. Returns the counts
    created, updated and ``skipped`` (the district's organizations outside the center's area, for a
    register that ``import_skips_outside``)."""
    services._check_writer(register, actor, center)
    data = upload.read(settings.IMPORT_MAX_BYTES + 1)
    table = spreadsheets.read_table(
        getattr(upload, "name", "") or "upload.xlsx", data, csv_allowed=False, max_rows=MAX_IMPORT_ROWS
    )
    table, above = _with_header_first(register, table)
    columns = headers(register)
    org_fields = [n for n in register.fields if register.field(n).related_model is SocialOrganization]
    header_row = [str(spreadsheets.cell(h)) for h in table[0]]
    has_code = CREDIT_CODE in header_row and org_fields
    required = [
        h
        for h, n in columns
        if not (register.field(n).blank or register.field(n).has_default())
        and not (has_code and n == org_fields[0])
    ]
    rows = spreadsheets.rows_by_header(
        table,
        [*columns, *([(CREDIT_CODE, "_code")] if has_code else [])],
        required=required,
        max_rows=MAX_IMPORT_ROWS,
    )
    area = list(SocialOrganization.objects.filter(services.area_filter(center)))
    outside: dict[str, set] = {"codes": set(), "names": set()}
    if register.import_skips_outside:
        for code, name in (
            SocialOrganization.objects.filter(district_id=center.district_id)
            .exclude(pk__in=[o.pk for o in area])
            .values_list("credit_code", "name")
        ):
            outside["codes"].add(code)
            outside["names"].add(name)
    skipped = 0
    lookups = {
        "orgs_by_name": {o.name: o for o in area},
        "orgs_by_code": {o.credit_code: o for o in area},
        "centers_by_name": {c.name: c for c in ServiceCenter.objects.filter(district_id=center.district_id)},
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, dict]] = []
    present = set(header_row)
    for row in rows:
        number = row.pop("_row") + above
        values: dict = {}
        code = row.pop("_code", "")
        if register.import_skips_outside and org_fields:
            code_text = spreadsheets.cell_text(code) if has_code else ""
            name_text = spreadsheets.cell_text(row.get(org_fields[0], ""))
            if (code_text and code_text in outside["codes"]) or (
                not code_text and name_text in outside["names"]
            ):
                skipped += 1  # another center's organization in a district-wide export
                continue
        for header, name in columns:
            if header not in present and name not in values:
                continue
            try:
                values[name] = _parse(register, name, row.get(name, ""), lookups)
            except ValueError as exc:
                if has_code and name == org_fields[0] and code:
                    continue
                errors.append(RowError(number, header, spreadsheets.cell_text(row.get(name, "")), str(exc)))
        if has_code and code:
            found = lookups["orgs_by_code"].get(spreadsheets.cell_text(code))
            if found is None:
                errors.append(
                    RowError(
                        number,
                        CREDIT_CODE,
                        spreadsheets.cell_text(code),
                        "不是本中心辖区内登记的社会组织的代码，请核对。",
                    )
                )
            else:
                values[org_fields[0]] = found
        parsed.append((number, values))
    if not parsed and not errors:
        if skipped:
            message = f"文件中没有本中心辖区内的社会组织（已跳过辖区以外的 {skipped} 家），未导入。"
            raise ApplicationError(message, fields={"file": [message]})
        raise ApplicationError("文件中没有数据行。", fields={"file": ["请在表头下方逐行填写。"]})
    created = updated = 0
    with transaction.atomic():
        existing = {}
        if register.import_key:
            for obj in register.model.objects.filter(center=center):
                existing[
                    tuple(getattr(obj, f"{k}_id", None) or getattr(obj, k) for k in register.import_key)
                ] = obj
        for number, values in parsed:
            if any(e.row == number for e in errors):
                continue
            key = tuple(getattr(values.get(k), "pk", values.get(k)) for k in register.import_key)
            try:
                with transaction.atomic():
                    current = existing.get(key) if register.import_key else None
                    if current is not None:
                        services.register_update(
                            register, row=current, version=current.version, actor=actor, data=values
                        )
                        updated += 1
                    else:
                        obj = services.register_create(
                            register, center=center, actor=actor, data=values, log=False
                        )
                        if register.import_key:
                            existing[key] = obj
                        created += 1
            except ApplicationError as exc:
                for name, messages in (exc.fields or {"": [exc.message]}).items():
                    header = (
                        register.field_label(name)
                        if name in register.fields
                        else {"year": "年度"}.get(name, "整行")
                    )
                    shown = values.get(name, "") if name in register.fields else ""
                    for message in messages:
                        errors.append(
                            RowError(number, header, str(getattr(shown, "name", shown) or ""), message)
                        )
        if errors:
            transaction.set_rollback(True)
        else:
            log_action(
                f"activities.{register.model._meta.model_name}.imported",
                actor=actor,
                obj=center,
                data={
                    "created": created,
                    "updated": updated,
                    "skipped": skipped,
                    "file": getattr(upload, "name", ""),
                },
            )
    if errors:
        errors.sort(key=lambda e: e.row)
        by_row: dict[str, list[str]] = {}
        for error in errors:
            by_row.setdefault(f"第 {error.row} 行", []).append(str(error))
        raise ApplicationError(
            f"共有 {len(by_row)} 行有误，整份文件未导入。请按提示修改后重新上传。",
            fields=by_row,
            code="import_rejected",
        )
    return {"created": created, "updated": updated, "skipped": skipped}

"""The one spreadsheet reader and writer of the portal (openpyxl; CSV where an import allows it).

Every import (social organizations, talent pool, user accounts) and every export goes through here,
so the limits, the refusals and their Chinese messages are the same everywhere:

- ``read_table(name, data, *, csv=True)`` → the first sheet's rows as lists (size limit
  ``settings.IMPORT_MAX_BYTES``; .xlsx by content, .csv as UTF-8 or GB 18030; anything else refused);
- ``rows_by_header(table, columns, required=…)`` → one dict per non-empty row, keyed by field, with
  its sheet row number in ``"_row"``; missing required columns are named;
- ``workbook_bytes(sheets, notes=…)`` → an .xlsx of one or more sheets (header + rows) and an
  optional instructions sheet (填写说明); ``attachment(filename)`` → the Content-Disposition header.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .errors import ApplicationError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTES_TITLE = "填写说明"


def attachment(filename: str) -> str:
    """Content-Disposition for a download named in Chinese (RFC 6266 ``filename*``)."""
    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"


# ---- reading -----------------------------------------------------------------------------------------


def cell(value) -> str | date:
    """A cell as text (trimmed; 3.0 → "3") or a date (a datetime loses its time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_text(value) -> str:
    value = cell(value)
    return value.isoformat() if isinstance(value, date) else value


def read_table(
    name: str, data: bytes, *, csv_allowed: bool = True, max_rows: int | None = None
) -> list[list]:
    """The rows of an uploaded spreadsheet's first sheet. Refuses, in Chinese, what it cannot read.

    With ``max_rows`` the sheet is read as a stream and refused as soon as it holds more data rows
    than that: a small file of half a million rows is never read to its end (issue 14 §4)."""
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ApplicationError(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），不能超过 {limit // 1024 // 1024} MB；请拆分后分批导入。",
            fields={"file": ["文件超过大小限制。"]},
        )
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        table = _read_xlsx(data, max_rows)
    elif lower.endswith(".csv") and csv_allowed:
        table = _read_csv(data)
        if max_rows is not None and sum(1 for r in table[1:] if any(r)) > max_rows:
            raise _too_many_rows(max_rows)
    else:
        kinds = ".xlsx（Excel）或 .csv 文件" if csv_allowed else ".xlsx（Excel）文件（不支持 .xls 或 CSV）"
        raise ApplicationError(
            f"文件不是电子表格：请上传 {kinds}，可先下载导入模板。",
            fields={"file": [f"不支持的文件“{name}”。"]},
        )
    if not table:
        raise ApplicationError("文件是空的：第 1 行应为列名，请使用导入模板。", fields={"file": ["空文件。"]})
    return table


def iter_table(name: str, source, *, csv_allowed: bool = True, max_rows: int | None = None):
    """``read_table`` as a stream: the first sheet's rows one by one, from ``source`` — the file's
    bytes or a path to it (an import job reads the stored upload). The same refusals, raised when
    the stream starts (size, type, safety) or as soon as the limit is passed (rows)."""
    import os

    limit = settings.IMPORT_MAX_BYTES
    size = len(source) if isinstance(source, bytes | bytearray) else os.path.getsize(source)
    if size > limit:
        raise ApplicationError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），不能超过 {limit // 1024 // 1024} MB；请拆分后分批导入。",
            fields={"file": ["文件超过大小限制。"]},
        )
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        rows = _iter_xlsx(source, max_rows)
    elif lower.endswith(".csv") and csv_allowed:
        data = source if isinstance(source, bytes | bytearray) else open(source, "rb").read()  # noqa: SIM115
        rows = iter(_read_csv(data))
    else:
        kinds = ".xlsx（Excel）或 .csv 文件" if csv_allowed else ".xlsx（Excel）文件（不支持 .xls 或 CSV）"
        raise ApplicationError(
            f"文件不是电子表格：请上传 {kinds}，可先下载导入模板。",
            fields={"file": [f"不支持的文件“{name}”。"]},
        )
    first = next(rows, None)
    if first is None:
        raise ApplicationError("文件是空的：第 1 行应为列名，请使用导入模板。", fields={"file": ["空文件。"]})
    yield first
    filled = 0
    for values in rows:
        if any(v not in (None, "") for v in values):
            filled += 1
            if max_rows is not None and filled > max_rows:
                raise _too_many_rows(max_rows)
        yield values


def _iter_xlsx(source, max_rows: int | None):
    from .uploads import office_problem

    opened = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(opened) as archive:
            problem = office_problem(archive)
    except zipfile.BadZipFile:
        problem = None
    if problem:
        raise ApplicationError(problem, fields={"file": ["文件内容不安全，未导入。"]})
    try:
        workbook = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes | bytearray) else source,
            read_only=True,
            data_only=True,
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ApplicationError(
            "文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名；请用 Excel 另存为 .xlsx 后重试。",
            fields={"file": ["无法读取该文件。"]},
        ) from None
    return _xlsx_rows(workbook, max_rows)


def _xlsx_rows(workbook, max_rows):
    try:
        physical_limit = None if max_rows is None else max_rows * 2 + 1000
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if physical_limit is not None and number > physical_limit:
                raise _too_many_rows(max_rows)
            yield values
    finally:
        workbook.close()


def row_count_hint(name: str, path) -> int | None:
    """Data rows of a sheet as its file declares them (the .xlsx dimension; a .csv's lines), without
    reading it through — for a progress bar; None when the file does not say."""
    lower = (name or "").lower()
    try:
        if lower.endswith(".csv"):
            with open(path, "rb") as fh:
                return max(sum(1 for _ in fh) - 1, 0)
        if lower.endswith(".xlsx"):
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                rows = workbook.worksheets[0].max_row
            finally:
                workbook.close()
            return rows - 1 if rows else None
    except Exception:  # a hint only: the import itself says what is wrong with the file
        return None
    return None


def iter_rows_by_header(
    rows,
    columns: Sequence[tuple[str, str]],
    *,
    required: Iterable[str] | None = None,
    first_row: int = 2,
    none_when_absent: Iterable[str] = (),
):
    """``rows_by_header`` as a stream over ``iter_table``: one dict per non-empty row. A column that is
    not in the file gives "" — or None for the fields in ``none_when_absent`` (optional columns whose
    absence means "keep what is recorded")."""
    rows = iter(rows)
    header = [str(cell(h)) for h in next(rows)]
    needed = list(required) if required is not None else [h for h, _ in columns]
    missing = [h for h in needed if h not in header]
    if missing:
        raise ApplicationError(
            f"缺少必需的列：{'、'.join(missing)}。第 1 行应为列名，请使用导入模板。",
            fields={"file": [f"表头缺少列：{'、'.join(missing)}"]},
        )
    index = [(f, header.index(h)) for h, f in columns if h in header]
    absent = [f for h, f in columns if h not in header]
    for number, values in enumerate(rows, start=first_row):
        values = [cell(v) for v in values]
        if not any(values):
            continue
        row = {"_row": number}
        width = len(values)
        for f, i in index:
            row[f] = values[i] if i < width else ""
        for f in absent:
            row[f] = None if f in none_when_absent else ""
        yield row


def _too_many_rows(max_rows: int) -> ApplicationError:
    return ApplicationError(
        f"一次最多导入 {max_rows} 行，请拆分后分批导入。", fields={"file": ["行数过多。"]}
    )


def _read_xlsx(data: bytes, max_rows: int | None = None) -> list[list]:
    from .uploads import office_problem

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = office_problem(archive)  # macros, a zip bomb: refused before openpyxl reads it
    except zipfile.BadZipFile:
        problem = None  # load_workbook below says so in its own words
    if problem:
        raise ApplicationError(problem, fields={"file": ["文件内容不安全，未导入。"]})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ApplicationError(
            "文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名；请用 Excel 另存为 .xlsx 后重试。",
            fields={"file": ["无法读取该文件。"]},
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows, filled = [], 0
        # Blank rows count toward a physical limit too, so a sheet of a million empty rows stops early.
        physical_limit = None if max_rows is None else max_rows * 2 + 1000
        for number, values in enumerate(sheet.iter_rows(values_only=True)):
            rows.append(list(values))
            if number and any(v not in (None, "") for v in values):
                filled += 1
            if max_rows is not None and (filled > max_rows or number > physical_limit):
                raise _too_many_rows(max_rows)
        return rows
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[list]:
    if b"\x00" in data[:4096]:
        raise ApplicationError(
            "文件不是文本格式的 CSV（可能是 Excel 文件改了扩展名）；请上传 .xlsx 或 UTF-8 编码的 .csv。",
            fields={"file": ["无法读取该文件。"]},
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError(
            "CSV 文件编码无法识别，请另存为 UTF-8 编码。", fields={"file": ["编码无法识别。"]}
        )
    return list(csv.reader(io.StringIO(text)))


def rows_by_header(
    table: list[list],
    columns: Sequence[tuple[str, str]],
    *,
    required: Iterable[str] | None = None,
    max_rows: int | None = None,
) -> list[dict]:
    """``columns`` are (header, field) pairs; every header is required unless ``required`` says which."""
    header = [str(cell(h)) for h in table[0]]
    needed = list(required) if required is not None else [h for h, _ in columns]
    missing = [h for h in needed if h not in header]
    if missing:
        raise ApplicationError(
            f"缺少必需的列：{'、'.join(missing)}。第 1 行应为列名，请使用导入模板。",
            fields={"file": [f"表头缺少列：{'、'.join(missing)}"]},
        )
    index = {h: header.index(h) for h, _ in columns if h in header}
    rows = []
    for number, values in enumerate(table[1:], start=2):
        values = [cell(v) for v in values]
        if not any(values):
            continue
        row = {"_row": number}
        for h, f in columns:
            i = index.get(h)
            row[f] = values[i] if i is not None and i < len(values) else ""
        rows.append(row)
        if max_rows is not None and len(rows) > max_rows:
            raise ApplicationError(
                f"一次最多导入 {max_rows} 行，请拆分后分批导入。", fields={"file": ["行数过多。"]}
            )
    return rows


# ---- writing -----------------------------------------------------------------------------------------
# A text that starts like a formula would run as one when the export is opened (CSV/formula
# injection: "=HYPERLINK(...)" in a center's name). OWASP's advice: prefix a single quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """``value`` as it may go into a cell: texts that start like a formula get a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _display_width(value) -> int:
    """Columns as wide as their text: a Chinese character takes two, anything else one."""
    text = value.strftime("%Y-%m-%d") if isinstance(value, date) else str("" if value is None else value)
    longest = max((line for line in text.splitlines()), key=len, default="")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def sheet_title(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\ (Chinese names stay Chinese)."""
    cleaned = "".join("－" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'") or "工作表"
    return cleaned[:31]


# Rows read ahead of writing, to size each column to its longest text (the rest stream as before).
WIDTH_SAMPLE_ROWS = 200


def _write_sheet(workbook, title: str, rows: Iterable[Sequence]) -> None:
    from itertools import chain, islice

    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(sheet_title(title))
    rows = iter(rows)
    head = list(islice(rows, WIDTH_SAMPLE_ROWS))
    widths: dict[int, int] = {}
    for row in head:
        for index, value in enumerate(row, start=1):
            widths[index] = max(widths.get(index, 0), _display_width(value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"  # the header row stays in view
    bold = Font(bold=True)
    for number, row in enumerate(chain(head, rows)):
        values = [formula_safe(v) for v in row]
        if number == 0:
            header = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = bold
                cell.alignment = Alignment(vertical="center")
                header.append(cell)
            sheet.append(header)
        else:
            sheet.append(values)


def workbook_bytes(
    sheets: Sequence[tuple[str, Iterable[Sequence]]], *, notes: Iterable[Sequence] | None = None
) -> bytes:
    """An .xlsx of ``sheets`` — (Chinese title, rows), the first row being the header — and an
    instructions sheet when ``notes`` (rows) are given. Every sheet has its header row frozen and bold
    and its columns as wide as their text (measured on the first rows). Written in write-only mode:
    memory stays flat for big lists."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        _write_sheet(workbook, title, rows)
    if notes is not None:
        sheet = workbook.create_sheet(NOTES_TITLE)
        sheet.column_dimensions["A"].width = 24
        sheet.column_dimensions["B"].width = 80
        for row in notes:
            sheet.append([formula_safe(v) for v in (row if isinstance(row, (list, tuple)) else [row])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- imports: what every importer shares ------------------------------------------------------------
@dataclass
class RowError:
    """One refused cell of an import, said as the user reads the sheet."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self):
        return f"第 {self.row} 行，“{self.column}”列，值“{self.value}”：{self.message}"


def store_upload(upload, *, folder: str = "imports") -> tuple[str, str]:
    """An import's upload written to the storage — whole or not at all (``core.storage``'s atomic
    files) — for its job to read: (storage name, the user's file name)."""
    import uuid
    from pathlib import PurePath

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = upload.read(settings.IMPORT_MAX_BYTES + 1)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ApplicationError(
            f"文件过大，不能超过 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB；请拆分后分批导入。",
            fields={"file": ["文件超过大小限制。"]},
        )
    suffix = PurePath(upload.name or "").suffix.lower()[:10]
    stored = default_storage.save(f"{folder}/{uuid.uuid4().hex}{suffix}", ContentFile(data))
    return stored, upload.name or f"upload{suffix}"


def stored_path(name: str) -> str:
    """The local path of a stored upload (the portal's storage is a local file system)."""
    from django.core.files.storage import default_storage

    return default_storage.path(name)

"""The one spreadsheet reader and writer of the portal (.xlsx read by python-calamine, written by
openpyxl; CSV where an import allows it).

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
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote
from zlib import error as zlib_error

from django.conf import settings
from openpyxl import Workbook

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

    With ``max_rows`` the sheet is refused as soon as it holds more data rows than that — counted on
    the file before its cells are read, so a small file of half a million rows is never read through
    (issue 14 §4)."""
    return list(iter_table(name, data, csv_allowed=csv_allowed, max_rows=max_rows))


def iter_table(
    name: str, source, *, csv_allowed: bool = True, max_rows: int | None = None, head: int | None = None
):
    """``read_table`` as a stream: the first sheet's rows one by one, from ``source`` — the file's
    bytes or a path to it (an import job reads the stored upload). The same refusals, raised when
    the stream starts (size, type, safety, rows over the limit) or as soon as the limit is passed.
    With ``head`` only the sheet's first ``head`` rows are read (a preview: the rest of a .xlsx is
    neither parsed nor held in memory)."""
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
        rows = _iter_xlsx(source, max_rows, head)
    elif lower.endswith(".csv") and csv_allowed:
        data = source if isinstance(source, bytes | bytearray) else open(source, "rb").read()  # noqa: SIM115
        rows = iter(_read_csv(data)[:head] if head else _read_csv(data))
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


# .xlsx files are read by python-calamine (Rust): about ten times faster than openpyxl's read-only
# mode, which spent ~7 s of CPU per 100,000 rows on its per-cell Python work (issue 16 §7). Its cells
# are what openpyxl gave, but for: numbers always come as floats, blank cells as "", a date cell as a
# date and a date-and-time as a datetime — all of which ``cell`` already treats alike —, dates in the
# Chinese built-in formats (27–36, 50–58) are dates, not numbers; and a formula error (#N/A) comes as
# a blank, so those cells are found in the sheet's XML and given their text back (``_error_cells``).
# calamine parses the whole sheet into memory: the XML is first streamed once (without parsing) to
# count its rows against the limits and, for a preview, to cut out its head.


def _not_xlsx() -> ApplicationError:
    return ApplicationError(
        "文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名；请用 Excel 另存为 .xlsx 后重试。",
        fields={"file": ["无法读取该文件。"]},
    )


def _first_sheet_part(archive: zipfile.ZipFile) -> tuple[int, str]:
    """(index in the workbook, zip member) of the first worksheet — as openpyxl's ``worksheets[0]``:
    chart sheets are skipped. Refuses a file that is not an .xlsx workbook (an .ods, a .docx, an .xlsb
    renamed), which calamine, guessing by content, would otherwise read."""
    import posixpath
    from xml.etree import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise _not_xlsx() from None
    targets = {
        rel.get("Id"): (rel.get("Type", ""), rel.get("Target", ""))
        for rel in rels
        if rel.tag.endswith("Relationship")
    }
    sheets = [el for el in workbook.iter() if el.tag.endswith("}sheet")]
    for index, sheet in enumerate(sheets):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        kind, target = targets.get(rid, ("", ""))
        if kind.endswith("/worksheet"):
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            if part in archive.NameToInfo:
                return index, part
            break
    raise _not_xlsx()


_CHUNK = 1 << 20
_ROW_END = re.compile(rb"</([\w.-]+:)?row>|<([\w.-]+:)?row\b[^>]*/>")
_ERROR_MARKS = (b't="e"', b"t='e'")
_ERROR_CELL = re.compile(rb"""<(?:[\w.-]+:)?c\s[^>]*\bt\s*=\s*["']e["'][^>]*>""")
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Z]+)([0-9]+)["']""")
# the references of cells in columns AA and on, or in rows 100,000 and on (without a leading \s the
# search is four times faster; "header=…" and the like are never a reference)
_FAR_REF = re.compile(rb"""r\s*=\s*["'](?:([A-Z]{2,})([0-9]+)|[A-Z]([0-9]{6,}))""")
_ERROR_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\s+ref\s*=\s*["'][A-Z]*[0-9]*:?[A-Z]*([0-9]+)["']""")
# calamine holds a sheet as one dense grid from its first to its last used cell (about 40 bytes a
# cell): a file of two cells, A1 and ZZ400000, would ask for gigabytes. Sheets spanning more cells
# than this are refused before calamine reads them (200,000 rows × 26 columns fit: ~230 MB at most).
MAX_SHEET_CELLS = 6_000_000


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _opening_rows(text: bytes) -> int:
    """Opening row tags (<row …>, <x:row …>), counted without a regular expression."""
    return text.count(b"<row") + text.count(b":row ")


def _scan_sheet(archive, part: str, *, max_rows: int | None, head: int | None):
    """One pass over the sheet's XML, not parsed: (the sheet cut after its first ``head`` rows, or
    None when it has no more; whether it holds formula errors). Refuses a sheet of more than
    twice ``max_rows`` rows (blank ones count: a million empty rows stop here) and one whose cells
    span more than ``MAX_SHEET_CELLS``."""
    physical_limit = None if max_rows is None else max_rows * 2 + 1000
    buffer, searched, rows, tail, errors = b"", 0, 0, b"", False
    columns, far_rows = 26, 0  # at least (a sheet within A–Z); exact beyond: columns AA on, rows 100,000 on
    with archive.open(part) as xml:
        while chunk := xml.read(_CHUNK):
            window = tail + chunk  # a mark cut in two by the chunks is whole here (found twice: harmless)
            errors = errors or any(mark in window for mark in _ERROR_MARKS)
            for letters, row, far_row in set(_FAR_REF.findall(window)):
                if letters:
                    columns = max(columns, _column_number(letters))
                far_rows = max(far_rows, int(row or far_row) if len(row or far_row) >= 6 else 0)
            if head is not None:
                buffer += chunk
                for match in _ROW_END.finditer(buffer, searched):
                    rows += 1
                    searched = match.end()
                    if rows >= head:
                        prefix = match.group(1) or match.group(2) or b""
                        cut = buffer[:searched] + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
                        _check_span(far_rows, columns, lambda cut=cut: cut)
                        return cut, errors
            else:
                rows += _opening_rows(window) - _opening_rows(tail)
            tail = window[-32:]
            if physical_limit is not None and (rows > physical_limit or far_rows > physical_limit):
                raise _too_many_rows(max_rows)
    _check_span(far_rows, columns, lambda: archive.read(part))
    return None, errors


def _check_span(far_rows: int, columns: int, xml) -> None:
    rows = far_rows or 99_999
    if rows * columns > MAX_SHEET_CELLS and not far_rows:  # a wide sheet (rare): its last row exactly
        rows = max((int(row) for _col, row in _CELL_REF.findall(xml())), default=0)
    if rows * columns > MAX_SHEET_CELLS:
        raise ApplicationError(
            f"表格的填写范围过大（约 {rows} 行 × {columns} 列），可能在很远的行或列里有内容；"
            "请删除多余的行和列，或拆分后分批导入。",
            fields={"file": ["表格范围过大。"]},
        )


def _error_cells(xml: bytes) -> dict[int, dict[int, str]]:
    """The formula errors of a sheet's XML by row and column (0-based) — calamine gives them as blanks."""
    found: dict[int, dict[int, str]] = {}
    for match in _ERROR_CELL.finditer(xml):
        if match.group(0).endswith(b"/>"):
            continue  # no value: blank, as openpyxl read it
        ref = _CELL_REF.search(match.group(0))
        end = _CELL_END.search(xml, match.end())
        value = _ERROR_VALUE.search(xml, match.end(), end.start() if end else len(xml))
        if ref is None:
            raise ApplicationError(
                "表格中有公式错误值（如 #N/A），请改正或删除这些单元格后再导入。",
                fields={"file": ["表格含公式错误值。"]},
            )
        text = value.group(1).decode() if value else "#N/A"
        found.setdefault(int(ref.group(2)) - 1, {})[_column_number(ref.group(1)) - 1] = text
    return found


def _iter_xlsx(source, max_rows: int | None, head: int | None = None):
    """The first worksheet's rows as lists (as openpyxl's read-only ``iter_rows`` gave them, from A1
    on), after the safety check (``core.uploads.office_problem``) and the row limit."""
    from python_calamine import CalamineError, CalamineWorkbook

    from .uploads import office_problem

    opened = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        archive = zipfile.ZipFile(opened)
    except (zipfile.BadZipFile, OSError):
        raise _not_xlsx() from None
    with archive:
        problem = office_problem(archive)  # macros, a zip bomb: refused before anything is read
        if problem:
            raise ApplicationError(problem, fields={"file": ["文件内容不安全，未导入。"]})
        index, part = _first_sheet_part(archive)
        try:
            cut, errors = _scan_sheet(archive, part, max_rows=max_rows, head=head)
            if cut is not None:
                source = _with_sheet(archive, part, cut)
            elif head is not None:
                head = None  # the sheet is no longer than its head: read it as it is
            error_cells = _error_cells(cut if cut is not None else archive.read(part)) if errors else {}
        except (zipfile.BadZipFile, OSError, EOFError, zlib_error):
            raise _not_xlsx() from None
    try:
        if isinstance(source, bytes | bytearray):
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            workbook = CalamineWorkbook.from_path(source)
        with workbook:
            sheet = workbook.get_sheet_by_index(index)
    except (CalamineError, OSError, ValueError):
        raise _not_xlsx() from None
    return _sheet_rows(sheet, error_cells)


def _sheet_rows(sheet, error_cells: dict[int, dict[int, str]]):
    start = sheet.start
    left = [""] * start[1] if start else []  # calamine's rows begin at the first used column
    for number, values in enumerate(sheet.iter_rows()):
        if left:
            values = left + values
        errors = error_cells.get(number)
        if errors:
            values = values + [""] * (max(errors) + 1 - len(values))
            for column, text in errors.items():
                values[column] = text
        yield values


def _with_sheet(archive: zipfile.ZipFile, part: str, xml: bytes) -> bytes:
    """The workbook with ``part`` replaced by ``xml`` and without its other worksheets (a preview)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            if info.filename == part:
                copy.writestr(info.filename, xml)
            elif not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                copy.writestr(info.filename, archive.read(info.filename))
    return out.getvalue()


def row_count_hint(name: str, path) -> int | None:
    """Data rows of a sheet as its file declares them (the .xlsx dimension, else its rows counted in
    the XML; a .csv's lines), without reading its cells — for a progress bar; None when unknown."""
    lower = (name or "").lower()
    try:
        if lower.endswith(".csv"):
            with open(path, "rb") as fh:
                return max(sum(1 for _ in fh) - 1, 0)
        if lower.endswith(".xlsx"):
            with zipfile.ZipFile(path) as archive:
                _index, part = _first_sheet_part(archive)
                with archive.open(part) as xml:
                    found = _DIMENSION.search(xml.read(4096))
                if found:
                    rows = int(found.group(1))
                else:
                    rows, tail = 0, b""
                    with archive.open(part) as xml:
                        while chunk := xml.read(_CHUNK):
                            window = tail + chunk
                            rows += _opening_rows(window) - _opening_rows(tail)
                            tail = window[-32:]
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

"""Issue 14 §4: exports never carry a live formula; imports stop at their row limit while reading and
refuse a zip bomb — all in the one spreadsheet module (core.spreadsheets)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import ApplicationError
from core.spreadsheets import read_table, workbook_bytes

HOSTILE = ['=HYPERLINK("http://evil.example","点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_texts_that_start_like_a_formula_are_written_as_text_with_a_quote():
    content = workbook_bytes([("表", [["名称", "数"], *[[text, 5] for text in HOSTILE], ["朱家角镇", -3]])])
    sheet = load_workbook(io.BytesIO(content)).active
    for row, text in enumerate(HOSTILE, start=2):
        cell = sheet.cell(row=row, column=1)
        # (XML reading turns a carriage return into a line feed; the quote in front is what counts)
        assert cell.data_type == "s" and cell.value.replace("\n", "\r") == "'" + text
        assert sheet.cell(row=row, column=2).value == 5
    assert sheet.cell(row=len(HOSTILE) + 2, column=1).value == "朱家角镇"
    assert sheet.cell(row=len(HOSTILE) + 2, column=2).value == -3  # numbers stay numbers


def _xlsx(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(["名称"])
    for n in range(rows):
        sheet.append([f"组织{n}"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_an_import_over_its_row_limit_is_refused_while_reading():
    assert len(read_table("a.xlsx", _xlsx(100), max_rows=100)) == 101
    with pytest.raises(ApplicationError, match="一次最多导入 100 行"):
        read_table("a.xlsx", _xlsx(5000), max_rows=100)


def test_a_zip_bomb_spreadsheet_is_refused_before_it_is_read():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(ApplicationError, match="压缩炸弹"):
        read_table("a.xlsx", buf.getvalue(), max_rows=100)

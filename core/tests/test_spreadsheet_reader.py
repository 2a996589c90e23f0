"""The .xlsx reader of every import (``core.spreadsheets``; python-calamine since issue 16 §7): values
keep their meaning as the importers read them (texts, whole and decimal numbers, dates, formula
errors, blank rows and cells), a large sheet reads as openpyxl reads it, a preview reads only the head
of the sheet, and a file that is not a real .xlsx is refused in Chinese."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core import spreadsheets
from core.errors import ApplicationError

COLUMNS = [
    ("文本", "text"),
    ("整数", "whole"),
    ("小数", "decimal"),
    ("整数样小数", "float_whole"),
    ("日期", "day"),
    ("日期时间", "moment"),
    ("电话", "phone"),
    ("真假", "flag"),
]


def _book(rows, *, formats: dict[str, str] | None = None, write_only: bool = False) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("表") if write_only else book.active
    for row in rows:
        sheet.append(row)
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _edit(data: bytes, part: str, change) -> bytes:
    """The workbook with one of its XML parts changed by ``change(bytes) -> bytes``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info, change(content) if info.filename == part else content)
    return out.getvalue()


def _rows(data: bytes, **kwargs) -> list[dict]:
    return list(
        spreadsheets.iter_rows_by_header(
            spreadsheets.iter_table("名册.xlsx", data, **kwargs), COLUMNS, required=[]
        )
    )


def _as_text(rows) -> list[list[str]]:
    """Rows as the importers see them (``cell_text``), without the blank cells at their ends."""
    out = []
    for row in rows:
        texts = [spreadsheets.cell_text(v) for v in row]
        while texts and texts[-1] == "":
            texts.pop()
        out.append(texts)
    return out


def _openpyxl_rows(data: bytes) -> list[list[str]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return _as_text(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def test_values_keep_their_meaning_and_blank_rows_keep_the_row_numbers():
    data = _book(
        [
            [h for h, _f in COLUMNS],
            [
                " 朱家角镇 ",
                3,
                3.5,
                3.0,
                datetime.date(2024, 5, 6),
                datetime.datetime(2024, 5, 6, 13, 30),
                13812345678,
                True,
            ],
            [],
            ["00123", None, -0.25, 0, None, None, None, False],
        ],
        formats={"E2": "yyyy/m/d", "F2": "yyyy-mm-dd hh:mm"},
    )
    rows = _rows(data)
    assert rows == [
        {
            "_row": 2,
            "text": "朱家角镇",
            "whole": "3",
            "decimal": "3.5",
            "float_whole": "3",
            "day": datetime.date(2024, 5, 6),
            "moment": datetime.date(2024, 5, 6),  # a date and time counts by its day
            "phone": "13812345678",
            "flag": "True",
        },
        {
            "_row": 4,
            "text": "00123",  # a text of digits stays as typed
            "whole": "",
            "decimal": "-0.25",
            "float_whole": "0",
            "day": "",
            "moment": "",
            "phone": "",
            "flag": "False",
        },
    ]
    # the whole-table reader (the activities registers) reads the same
    assert (
        spreadsheets.rows_by_header(spreadsheets.read_table("名册.xlsx", data), COLUMNS, required=[]) == rows
    )


@pytest.mark.parametrize("format_id", [14, 31, 57, 58])
def test_dates_in_the_chinese_built_in_formats_are_dates(format_id):
    """Excel and WPS in Chinese save “2024年5月6日” as a built-in format (31, 57, 58) that the file does
    not spell out; it is a date all the same (openpyxl read it as the number 45418)."""
    data = _book([["日期"], [45418]], formats={"A2": "yyyy/m/d"})
    data = _edit(
        data,
        "xl/styles.xml",
        lambda xml: re.sub(
            rb'numFmtId="1\d\d"',
            b'numFmtId="%d"' % format_id,
            re.sub(rb"<numFmts.*?</numFmts>", b"", xml, flags=re.S),
        ),
    )
    assert _rows(data) == [
        {"_row": 2, **dict.fromkeys([f for _h, f in COLUMNS], ""), "day": datetime.date(2024, 5, 6)}
    ]


def test_a_formula_error_reads_as_excel_shows_it():
    """A cell showing “#N/A” is that text to the importer (and so a refused date, not an empty cell)."""
    data = _book([["文本", "日期"], ["甲", 1]])
    data = _edit(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b'<c r="B2" t="n"><v>1</v></c>', b'<c r="B2" t="e"><f>NA()</f><v>#N/A</v></c>'
        ),
    )
    assert b't="e"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert [(r["text"], r["day"]) for r in _rows(data)] == [("甲", "#N/A")]


def test_a_sheet_that_does_not_start_in_a1_keeps_its_rows_and_columns():
    book = Workbook()
    book.active["C3"] = "名称"
    book.active["D5"] = 7
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    table = spreadsheets.read_table("a.xlsx", data)
    assert _as_text(table) == [[], [], ["", "", "名称"], [], ["", "", "", "7"]]
    assert _as_text(spreadsheets.iter_table("a.xlsx", data)) == _as_text(table)


def test_a_large_sheet_reads_as_openpyxl_reads_it(tmp_path):
    """3,000 rows as the benchmark's generator writes them (write-only: no dimension record)."""
    rows = [["名称", "统一社会信用代码", "登记日期", "人数", "金额", "备注"]]
    for n in range(3000):
        rows.append(
            [
                f"测试社会组织{n}",
                f"52310118{n:09d}X" if n % 3 else 523101182000000000 + n,  # a code typed as a number
                datetime.date(2020, 1, 1) + datetime.timedelta(days=n)
                if n % 5
                else f"2020-01-{n % 28 + 1:02d}",
                n,
                n / 8,
                None if n % 7 else "备注",
            ]
        )
        if n % 500 == 0:
            rows.append([])
    data = _book(rows, write_only=True)
    ours = _as_text(spreadsheets.iter_table("a.xlsx", data))
    assert len(ours) == 3007
    assert ours == _openpyxl_rows(data)
    (tmp_path / "a.xlsx").write_bytes(data)
    assert spreadsheets.row_count_hint("a.xlsx", str(tmp_path / "a.xlsx")) == 3006


def test_the_row_count_hint_reads_the_sheets_dimension(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(_book([["名称"], *[[f"组织{n}"] for n in range(40)]]))
    assert spreadsheets.row_count_hint("a.xlsx", str(path)) == 40


def test_a_preview_reads_only_the_head_of_the_sheet():
    """The first rows come out although the sheet is cut off further down (the file ends at row 300):
    they are all that is read."""
    data = _book([["名称"], *[[f"组织{n}"] for n in range(500)]])
    data = _edit(data, "xl/worksheets/sheet1.xml", lambda xml: xml[: xml.index(b'<row r="300"')])
    head = list(spreadsheets.iter_table("a.xlsx", data, head=21))
    assert _as_text(head) == [["名称"], *[[f"组织{n}"] for n in range(20)]]
    with pytest.raises(ApplicationError, match="不是有效的 Excel"):
        list(spreadsheets.iter_table("a.xlsx", data))


def _opendocument_sheet() -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="表"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>名称</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return buf.getvalue()


def _word_document() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # an old .xls (OLE) renamed
        _opendocument_sheet(),  # an OpenDocument sheet renamed .xlsx
        _word_document(),  # a .docx renamed
    ],
    ids=["text", "xls", "ods", "docx"],
)
@pytest.mark.parametrize("reader", ["read_table", "iter_table", "preview"])
def test_a_file_that_is_not_a_real_xlsx_is_refused_naming_the_field_and_the_fix(content, reader):
    with pytest.raises(ApplicationError) as refused:
        if reader == "read_table":
            spreadsheets.read_table("名册.xlsx", content)
        else:
            list(spreadsheets.iter_table("名册.xlsx", content, head=21 if reader == "preview" else None))
    assert "不是有效的 Excel（.xlsx）文件" in refused.value.message
    assert "另存为 .xlsx" in refused.value.message
    assert refused.value.fields == {"file": ["无法读取该文件。"]}


def test_an_empty_sheet_is_refused_as_an_empty_file():
    with pytest.raises(ApplicationError, match="文件是空的"):
        list(spreadsheets.iter_table("a.xlsx", _book([])))
    with pytest.raises(ApplicationError, match="文件是空的"):
        spreadsheets.read_table("a.xlsx", _book([]))


def test_a_sheet_whose_cells_span_too_far_is_refused_before_it_is_read():
    """Two cells, A1 and ZZ400000: the reader would hold 280 million cells; refused, saying why."""
    data = _book([["名称"]])
    data = _edit(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="400000"><c r="ZZ400000"><v>1</v></c></row></sheetData>'
        ),
    )
    spelled_otherwise = _edit(  # the same reference written with a tab and single quotes
        data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<c r="ZZ400000">', b"<c\tr = 'ZZ400000'>")
    )
    for read in (
        lambda: list(spreadsheets.iter_table("a.xlsx", data)),
        lambda: list(spreadsheets.iter_table("a.xlsx", data, max_rows=200_000)),
        lambda: list(spreadsheets.iter_table("a.xlsx", spelled_otherwise)),
        lambda: list(spreadsheets.iter_table("a.xlsx", data, head=21)),
    ):
        with pytest.raises(ApplicationError, match="填写范围过大") as refused:
            read()
        assert refused.value.fields == {"file": ["表格范围过大。"]}
    # far away but within A–Z and the limit: read as it is (the blank rows between are blank)
    data = _book([["名称"]])
    data = _edit(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="150000"><c r="B150000"><v>1</v></c></row></sheetData>'
        ),
    )
    rows = list(spreadsheets.iter_table("a.xlsx", data))
    assert len(rows) == 150000
    with pytest.raises(ApplicationError, match="一次最多导入 100 行"):  # blank rows count toward a limit
        list(spreadsheets.iter_table("a.xlsx", data, max_rows=100)) and _as_text([rows[0], rows[-1]]) == [
            ["名称"],
            ["", "1"],
        ]


def test_a_preview_of_a_workbook_of_several_sheets_reads_the_first():
    book = Workbook()
    book.active.title = "名册"
    for n in range(100):
        book.active.append([f"组织{n}", n])
    other = book.create_sheet("说明")
    other.append(["另一张表"])
    book.move_sheet("名册", offset=0)
    buf = io.BytesIO()
    book.save(buf)
    head = list(spreadsheets.iter_table("a.xlsx", buf.getvalue(), head=5))
    assert _as_text(head) == [[f"组织{n}", str(n)] for n in range(5)]

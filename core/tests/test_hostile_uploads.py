"""Issue 14 §4: a hostile-upload corpus, made here, through the one upload check (core.uploads).

Each case passed before: a PDF header with HTML behind it, PNG/JPEG polyglots, a .docx carrying
``vbaProject.bin``, a zip-bomb .xlsx, a right-to-left override in the name, a long name that lost its
extension. A refused case must raise a Chinese message naming the field; an image case must come out
re-encoded, without the payload; and one case goes all the way through the evidence service to show
that nothing refused is stored.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import ApplicationError
from core.uploads import check_upload

PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    f = SimpleUploadedFile("x", content)
    f._name = name
    return f


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buf, format=fmt)
    return buf.getvalue()


def _office(parts: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}
XLSX = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}

REFUSED = {
    "pdf-then-html": ("报告.pdf", PDF + PAYLOAD, "末尾附有其他内容"),
    "pdf-html-inside": ("报告.pdf", PDF.replace(b"trailer", b"% " + PAYLOAD + b"\ntrailer"), "网页代码"),
    "pdf-javascript": (
        "报告.pdf",
        PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
        "脚本",
    ),
    "pdf-javascript-hex-name": (
        "报告.pdf",
        PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/J#61vaScript/J#53(x)>>"),
        "脚本",
    ),
    "pdf-embedded-file": (
        "报告.pdf",
        PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Names<</EmbeddedFiles 9 0 R>>"),
        "附件",
    ),
    "pdf-launch": (
        "报告.pdf",
        PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/Launch/F(cmd.exe)>>"),
        "脚本",
    ),
    "docx-macro": ("制度.docx", _office({**DOCX, "word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}), "宏"),
    "xlsx-macro-content-type": (
        "名册.xlsx",
        _office(
            {
                **XLSX,
                "[Content_Types].xml": b"<Types><Override ContentType='application/vnd.ms-excel.sheet.macroEnabled.main+xml'/></Types>",
            }
        ),
        "宏",
    ),
    "xlsx-zip-bomb": (
        "名册.xlsx",
        _office({**XLSX, "xl/worksheets/sheet1.xml": b"0" * (30 * 1024 * 1024)}),
        "压缩炸弹",
    ),
    "png-broken": ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片无法读取"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_upload_is_refused_with_a_chinese_reason_naming_the_field(case):
    name, content, reason = REFUSED[case]
    with pytest.raises(ApplicationError) as exc:
        check_upload(_upload(name, content), field="file")
    assert reason in exc.value.fields["file"][0], exc.value.fields


@pytest.mark.parametrize("fmt, name", [("PNG", "照片.png"), ("JPEG", "照片.jpg")])
def test_image_polyglots_are_stored_re_encoded_without_the_payload(fmt, name):
    upload = _upload(name, _image(fmt) + PAYLOAD + _office(DOCX))
    check_upload(upload, field="file")
    upload.seek(0)
    stored = upload.read()
    assert PAYLOAD not in stored and b"word/document.xml" not in stored
    assert upload.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt and image.size == (8, 8)


def test_ordinary_files_pass():
    for name, content in (
        ("计划.pdf", PDF),
        ("制度.docx", _office(DOCX)),
        ("名册.xlsx", _office(XLSX)),
        ("照片.png", _image("PNG")),
    ):
        assert check_upload(_upload(name, content))[0] == name


def test_names_lose_bidi_controls_and_keep_their_extension():
    name, _mime = check_upload(_upload("报告\u202efdp.exe.pdf", PDF))
    assert "\u202e" not in name and name.endswith(".pdf")
    long_name, _mime = check_upload(_upload("很长的文件名" * 60 + ".pdf", PDF))
    assert len(long_name) <= 200 and long_name.endswith(".pdf")


@pytest.mark.django_db
def test_a_refused_upload_stores_nothing_through_the_evidence_service(settings, tmp_path):
    from datetime import date

    from accounts.roles import Role
    from centers.choices import CenterLevel
    from centers.models import District, ServiceCenter, StreetTown
    from core.testing import make_user
    from evaluations import services
    from evaluations.models import Evidence, Filing

    settings.MEDIA_ROOT = str(tmp_path)
    district = District.objects.order_by("pk").first()
    for st in StreetTown.objects.filter(district=district):
        ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=st,
            defaults={"name": f"{st.name}服务中心", "supervising_unit": st.supervising_unit},
        )
    bureau = make_user("hu_bureau", Role.BUREAU)
    cycle = services.cycle_create(year=2026, actor=bureau)
    from core.jobs import run_job

    run_job(str(services.cycle_open(cycle=cycle, actor=bureau).pk), services.cycle_open_work)
    filing = Filing.objects.filter(cycle=cycle).select_related("center").first()
    director = make_user("hu_director", Role.DIRECTOR, center=filing.center)
    indicator = cycle.indicators.first()
    for case in ("pdf-then-html", "docx-macro", "xlsx-zip-bomb"):
        name, content, _reason = REFUSED[case]
        with pytest.raises(ApplicationError):
            services.evidence_upload(
                filing=filing,
                indicator=indicator,
                actor=director,
                upload=_upload(name, content),
                today=date(2026, 12, 1),
            )
    assert not Evidence.objects.filter(filing=filing).exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]

"""Uploaded files are checked by their content, not their name: PDF, JPEG, PNG, DOCX, XLSX only.

Used for every document a user uploads (evaluation evidence, register copies, certificates)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from django.conf import settings

from core.errors import ApplicationError

ALLOWED = {
    "pdf": ("application/pdf", (".pdf",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
}
ALLOWED_LABEL = "PDF、JPEG、PNG、DOCX、XLSX"


# Characters that change how a name is shown (right-to-left override: "报告\u202efdp.exe" reads as
# "报告exe.pdf") or that no file name should hold.
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
NAME_MAX = 200


def safe_filename(name: str, *, fallback: str = "文件") -> str:
    """A file name that is only a name: NFC, no control or bidi characters, no path separators or
    ``..``, no leading dot, at most NAME_MAX characters with its extension kept. Used for every name
    the portal stores or writes into an archive or a download header."""
    name = unicodedata.normalize("NFC", name or "")
    name = _INVISIBLE.sub("", name)
    name = re.sub(r"[/\\:]+", "_", name)
    while ".." in name:
        name = name.replace("..", ".")
    name = name.strip().lstrip(".").strip()
    if not name:
        return fallback
    if len(name) > NAME_MAX:
        path = PurePosixPath(name)
        suffix = path.suffix if len(path.suffix) <= 10 else ""
        name = name[: len(name) - len(suffix)][: NAME_MAX - len(suffix)] + suffix
    return name


def sniff(head: bytes, upload) -> str | None:
    """The file's real kind from its first bytes (and, for Office files, the ZIP's parts)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check_upload(upload, *, field: str = "file") -> tuple[str, str]:
    """Refuse a file with a path in its name, too big, or not what its name says; return (name, mime)."""
    name = upload.name or ""
    if not name or "/" in name or "\\" in name or ".." in name or name.startswith(".") or "\x00" in name:
        raise ApplicationError(
            "文件名不合规。",
            fields={field: ["文件名不能包含路径（/、\\ 或 ..），请只保留文件本身的名称后重新上传。"]},
        )
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ApplicationError(
            "文件过大。",
            fields={
                field: [
                    f"文件大小 {upload.size / 1048576:.1f} MB，超过上限 {limit // 1048576} MB，请压缩后重新上传。"
                ]
            },
        )
    if upload.size == 0:
        raise ApplicationError("文件为空。", fields={field: ["上传的文件没有内容，请重新选择文件。"]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload)
    suffix = PurePosixPath(name).suffix.lower()
    if kind is None:
        raise ApplicationError(
            "文件类型不允许。",
            fields={field: [f"只接受 {ALLOWED_LABEL} 文件；该文件的内容不是其中任何一种。"]},
        )
    mime, suffixes = ALLOWED[kind]
    if suffix not in suffixes:
        raise ApplicationError(
            "文件内容与文件名不符。",
            fields={
                field: [
                    f"文件名为“{suffix or '无扩展名'}”，但内容是 {kind.upper()}：请使用正确的扩展名（{'、'.join(suffixes)}）。"
                ]
            },
        )
    CONTENT_CHECKS[kind](upload, field, kind)
    upload.seek(0)
    return safe_filename(name), mime


# ---- what is inside: checks by kind (issue 14 §4; OWASP File Upload Cheat Sheet) --------------------
# A file can be a valid PDF or PNG *and* something else (a polyglot: HTML after the image data, a
# script in the PDF). Images are re-encoded by Pillow, which keeps only the pixels; PDFs carrying
# active content and Office files carrying macros or a zip bomb are refused.
OFFICE_MAX_UNCOMPRESSED = 100 * 1024 * 1024
OFFICE_MAX_RATIO = 200  # uncompressed ÷ compressed; ordinary .docx/.xlsx stay far below
OFFICE_MAX_ENTRIES = 5000
PDF_ACTIVE_KEYS = ("/JavaScript", "/JS", "/EmbeddedFile", "/EmbeddedFiles", "/Launch", "/RichMedia", "/XFA")
_PDF_TRAILING_MARKUP = re.compile(rb"<\s*(html|script|body|iframe|svg|!doctype)", re.IGNORECASE)


def _refuse(field: str, reason: str):
    raise ApplicationError("文件内容不安全，未保存。", fields={field: [reason]})


def _check_image(upload, field: str, kind: str) -> None:
    """Re-encode the picture: what is stored is Pillow's output, never the uploaded bytes."""
    import warnings

    from PIL import Image

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image.load()
                clean = io.BytesIO()
                if kind == "jpeg":
                    image.convert("RGB").save(clean, format="JPEG", quality=90)
                else:
                    image.save(clean, format="PNG")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        _refuse(field, "图片无法读取或尺寸异常，请用常见软件另存为 JPEG 或 PNG 后重新上传。")
    data = clean.getvalue()
    upload.file = io.BytesIO(data)
    upload.size = len(data)


def _pdf_names(data: bytes) -> bytes:
    """The raw bytes with PDF name escapes decoded (``/J#61vaScript`` → ``/JavaScript``)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_has_active_content(data: bytes) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    raw = _pdf_names(data)
    if any(re.search(re.escape(key.encode()) + rb"(?![A-Za-z])", raw) for key in PDF_ACTIVE_KEYS):
        return True
    # Names inside compressed object streams are not in the raw bytes: read them through pypdf.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root = reader.trailer.get("/Root")
        if root is None:
            return False
        root = root.get_object()
        names = root.get("/Names")
        names = names.get_object() if names is not None else {}
        if "/JavaScript" in names or "/EmbeddedFiles" in names or "/AA" in root:
            return True
        action = root.get("/OpenAction")
        action = action.get_object() if action is not None else None
        if hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch"):
            return True
        for pdf_page in reader.pages:
            if "/AA" in pdf_page:
                return True
            for annotation in pdf_page.get("/Annots") or []:
                annotation = annotation.get_object()
                action = annotation.get("/A")
                action = action.get_object() if action is not None else {}
                if annotation.get("/Subtype") == "/FileAttachment" or action.get("/S") in (
                    "/JavaScript",
                    "/Launch",
                ):
                    return True
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return False  # unreadable structure: the raw scan above has decided
    return False


def _check_pdf(upload, field: str, kind: str) -> None:
    upload.seek(0)
    data = upload.read()
    end = data.rfind(b"%%EOF")
    if end == -1 or data[end + 5 :].strip():
        _refuse(field, "PDF 文件末尾附有其他内容（可能是伪装的网页或程序），请从原软件重新导出 PDF 后上传。")
    if _PDF_TRAILING_MARKUP.search(data):
        _refuse(field, "PDF 文件中夹带了网页代码，请从原软件重新导出 PDF 后上传。")
    if _pdf_has_active_content(data):
        _refuse(
            field,
            "PDF 文件含有脚本、附件或自动执行的动作，门户不接受此类文件；请用“打印为 PDF”另存一份后上传。",
        )


def office_problem(archive: zipfile.ZipFile) -> str | None:
    """Why an Office (ZIP) file is refused, or None: macros, a zip bomb, too many parts."""
    infos = archive.infolist()
    if len(infos) > OFFICE_MAX_ENTRIES:
        return "文件内部结构异常（部件过多），请用 Office 或 WPS 另存后重新上传。"
    names = [info.filename.lower() for info in infos]
    if any(name.endswith("vbaproject.bin") or name.endswith(".bin") and "activex" in name for name in names):
        return "文件含有宏（VBA），门户不接受带宏的文件；请另存为不含宏的 .docx / .xlsx 后上传。"
    try:
        content_types = archive.read("[Content_Types].xml")
    except KeyError:
        content_types = b""
    if b"macroEnabled" in content_types or b"vbaProject" in content_types:
        return "文件含有宏（VBA），门户不接受带宏的文件；请另存为不含宏的 .docx / .xlsx 后上传。"
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > OFFICE_MAX_UNCOMPRESSED or total / packed > OFFICE_MAX_RATIO:
        return (
            f"文件解压后过大（约 {total / 1048576:.0f} MB），疑似压缩炸弹；请检查文件内容，"
            f"解压后不超过 {OFFICE_MAX_UNCOMPRESSED // 1048576} MB。"
        )
    return None


def _check_office(upload, field: str, kind: str) -> None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
            problem = office_problem(archive)
    except zipfile.BadZipFile:
        problem = "文件已损坏，无法读取，请重新保存后上传。"
    if problem:
        _refuse(field, problem)


CONTENT_CHECKS = {
    "pdf": _check_pdf,
    "jpeg": _check_image,
    "png": _check_image,
    "docx": _check_office,
    "xlsx": _check_office,
}

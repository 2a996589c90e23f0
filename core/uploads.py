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
    return safe_filename(name), mime

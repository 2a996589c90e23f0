"""Reading a PDF the way a person checking it would: its text, its fonts, its pages (poppler-utils)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(path: Path, page: int | None = None, *, flow: bool = False) -> str:
    """The text as laid out on the page, or with ``flow`` in reading order with all white space removed
    (a table cell's text wrapped over several lines then reads as one string)."""
    if flow:
        args = ["pdftotext", "-raw"]
        if page is not None:
            args += ["-f", str(page), "-l", str(page)]
        out = subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout
        return "".join(out.split())
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def embedded_cjk_fonts(path: Path) -> list[str]:
    """Names of the CJK fonts that are embedded (the "emb" column of pdffonts says yes)."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        if "CJK" in line and cols[-5] == "yes":
            names.append(cols[0])
    return names


def pdf_images(path: Path) -> list[dict]:
    """The images placed on each page (``pdfimages -list``): page, width, height, interpolated."""
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    images = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        images.append(
            {
                "page": int(cols[0]),
                "width": int(cols[3]),
                "height": int(cols[4]),
                "interpolate": cols[9] == "yes",
            }
        )
    return images


def write(document, directory: Path) -> Path:
    path = directory / f"{document.pk}.pdf"
    with document.file.open("rb") as fh:
        path.write_bytes(fh.read())
    return path

"""The report font: Noto Sans CJK SC, cut down once per machine to the characters official text uses.

Why: WeasyPrint embeds a subset of every font a PDF uses, and to make it, it copies and walks the whole
font file it was given. Debian's ``NotoSansCJK-*.ttc`` is a 20 MB collection of four CJK languages
(about 65,000 glyphs per face), so that step alone cost about 50 ms per face and per PDF — half the
cost of a one-page PDF. ``build_report_fonts`` (``make run`` / ``make test`` / the Docker image call it)
extracts the Simplified Chinese face, Regular and Bold, and keeps only GB 2312 (6,763 hanzi) plus
Latin, punctuation and the symbols a report uses: two 3.5 MB OpenType files under ``REPORTS_FONT_DIR``.
The PDFs name it "Noto Sans CJK SC Subset" (pdffonts shows ``…+Noto-Sans-CJK-SC-Subset``).

Nothing is lost: the stylesheet lists the full system family after it, so a character outside the
subset (a rare character in a person's name, say) is set in the full Noto Sans CJK SC, which Pango picks
per character. When the files are missing (fonts not built yet, or fonts-noto-cjk not installed), the
reports simply use the system family, as before — slower, and otherwise the same.

The cut is made with fontTools (a WeasyPrint dependency); it takes about 15 s per face, once. Noto
Sans CJK is under the SIL Open Font License 1.1, which allows modified (subset) versions and reserves
no font name; the cut is never distributed on its own, only embedded (subset again) in the PDFs.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FAMILY = "Noto Sans CJK SC Subset"
SYSTEM_FAMILY = "Noto Sans CJK SC"
FONT_URL_PREFIX = "/report-fonts/"
# Bumped whenever the character set or options change, so old files are rebuilt, never reused.
SUBSET_VERSION = 2


@dataclass(frozen=True)
class Face:
    weight: str  # CSS font-weight
    style: str  # fontconfig style name of the source face
    file_name: str


FACES = (
    Face("normal", "Regular", f"noto-sans-cjk-sc-subset-v{SUBSET_VERSION}-regular.otf"),
    Face("bold", "Bold", f"noto-sans-cjk-sc-subset-v{SUBSET_VERSION}-bold.otf"),
)

# Besides GB 2312: Latin-1, general punctuation, letter-like symbols, number forms, arrows, maths,
# enclosed alphanumerics (①…), box drawing and geometric shapes, CJK symbols and punctuation, enclosed
# CJK letters (㈠…), CJK compatibility (units such as ㎡, which the registers print), CJK compatibility
# forms and the half-/full-width forms. Ranges are inclusive.
EXTRA_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x2100, 0x218F),
    (0x2190, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x3000, 0x303F),
    (0x3200, 0x33FF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)
# Features WeasyPrint may ask for beyond fontTools' defaults (tabular figures in number columns).
EXTRA_FEATURES = ("tnum", "pnum", "pwid", "fwid", "hwid", "halt", "palt")


def font_dir() -> Path:
    return Path(settings.REPORTS_FONT_DIR)


def built_faces() -> list[Face]:
    """The faces whose subset file exists (all of them, or none when a file is missing)."""
    directory = font_dir()
    if all((directory / face.file_name).is_file() for face in FACES):
        return list(FACES)
    return []


def font_face_css(url_base: str) -> str:
    """``@font-face`` rules for the built subset, or "" when it is not built."""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; font-weight: {face.weight}; '
        f'src: url("{url_base}{FONT_URL_PREFIX.lstrip("/")}{face.file_name}"); }}'
        for face in built_faces()
    )


def remove_stale_cuts() -> list[str]:
    """Delete cuts made for an earlier character set (another SUBSET_VERSION); their names."""
    current = {face.file_name for face in FACES}
    stale = [p for p in font_dir().glob("noto-sans-cjk-sc-subset-v*.otf") if p.name not in current]
    for path in stale:
        path.unlink()
    return [path.name for path in stale]


def font_file(name: str) -> Path | None:
    """The built font file called ``name`` (for the PDF renderer's URL fetcher), or None."""
    for face in FACES:
        if face.file_name == name:
            path = font_dir() / name
            return path if path.is_file() else None
    return None


def charset() -> set[int]:
    codepoints: set[int] = set()
    for low, high in EXTRA_RANGES:
        codepoints.update(range(low, high + 1))
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                codepoints.add(ord(bytes((first, second)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return codepoints


def find_source(style: str) -> tuple[Path, int] | None:
    """Path and collection index of the system's Noto Sans CJK SC face ``style`` (fontconfig's view)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    out = subprocess.run(
        [fc_list, f":family={SYSTEM_FAMILY}:style={style}", "file", "index"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in out.splitlines():
        # "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc: :index=2"
        path, _, rest = line.partition(":")
        index = rest.strip().removeprefix(":index=")
        if path and index.isdigit():
            return Path(path), int(index)
    return None


def build_face(face: Face, destination: Path) -> bool:
    """Write the subset of ``face`` to ``destination``; False when the source font is not installed."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = find_source(face.style)
    if source is None:
        return False
    path, index = source
    font = TTFont(path, fontNumber=index, lazy=False)
    options = subset.Options()
    options.layout_features = [*options.layout_features, *EXTRA_FEATURES]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=charset())
    subsetter.subset(font)
    _rename(font, face)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=destination.parent, suffix=".tmp", delete=False) as tmp:
        font.save(tmp)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, destination)
    return True


def _rename(font, face: Face) -> None:
    """Family name "Noto Sans CJK SC Subset": the subset must never pass for the full font."""
    name = font["name"]
    full = f"{FAMILY} {face.style}" if face.style != "Regular" else FAMILY
    postscript = f"NotoSansCJKsc-Subset-{face.style}"
    for record in list(name.names):
        if record.nameID in (1, 16):
            name.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            name.setName(full, 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            name.setName(postscript, 6, record.platformID, record.platEncID, record.langID)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]

"""Reading a chart back from its SVG: the bars (their data-* attributes), the texts and their boxes."""

from __future__ import annotations

import itertools
import re
from html import unescape

from reports.charts import text_width

_RECT = re.compile(r"<rect ([^>]*data-value=[^>]*)/>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_TEXT = re.compile(r"<text ([^>]*)>([^<]*)</text>")


def svgs(html: str) -> dict[str, str]:
    """The SVG of each chart on a page, by its ``data-chart`` name."""
    found = {}
    for match in re.finditer(r'data-chart="(\w+)".*?(<svg .*?</svg>)', html, re.S):
        found.setdefault(match[1], match[2])
    return found


def bars(svg: str) -> list[dict]:
    return [{k: unescape(v) for k, v in _ATTR.findall(m[1])} for m in _RECT.finditer(svg)]


def texts(svg: str) -> list[dict]:
    out = []
    for attrs, body in _TEXT.findall(svg):
        a = dict(_ATTR.findall(attrs))
        text = unescape(body)
        size = float(a.get("font-size", 11))
        width = text_width(text, size)
        x = float(a["x"])
        anchor = a.get("text-anchor", "start")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        y = float(a["y"])
        out.append({"text": text, "box": (left, y - size * 0.88, left + width, y + size * 0.12)})
    return out


def overlapping_labels(svg: str) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap (a value label over a bar's label, say)."""
    boxes = texts(svg)
    pairs = []
    for a, b in itertools.combinations(boxes, 2):
        (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
        if l1 < r2 - 0.5 and l2 < r1 - 0.5 and t1 < b2 - 0.5 and t2 < b1 - 0.5:
            pairs.append((a["text"], b["text"]))
    return pairs


def tick_values(svg: str) -> list[str]:
    """The axis ticks (grey labels)."""
    return re.findall(r'fill="#444">(\d+(?:\.\d+)?)</text>', svg)

"""Charts as SVG drawn in Python (no JavaScript, no screenshots), embedded in PDFs as data: URLs."""

from __future__ import annotations

import base64
from decimal import Decimal
from xml.sax.saxutils import escape

from .fonts import FAMILY, SYSTEM_FAMILY

# The report font first (the cut of reports/fonts.py), the full system font for anything it lacks.
FONT = f"{FAMILY}, {SYSTEM_FAMILY}, sans-serif"


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def whole_ticks(top: float, *, most: int = 6) -> list[int]:
    """Axis ticks that are whole numbers, evenly spaced by 1, 2 or 5 × 10ⁿ, from 0 to at least ``top``
    (never 0, 2, 4, 7, 9): at most ``most`` intervals."""
    import math

    top = max(float(top), 1.0)
    step = 1
    while math.ceil(top / step) > most:
        for factor in (2, 5 / 2, 2):  # 1 → 2 → 5 → 10 → 20 → 50 …
            step = int(step * factor)
            if math.ceil(top / step) <= most:
                break
    count = math.ceil(top / step)
    return [step * i for i in range(count + 1)]


def bar_chart(
    bars: list[tuple[str, float | Decimal]],
    *,
    max_value: float | None = None,
    width: int = 640,
    height: int = 260,
    value_format: str = "{:.0f}",
    y_label: str = "",
    color: str = "#2f5d8a",
) -> str:
    """Vertical bars with their value above and the label below; returns SVG text."""
    left, right, top, bottom = 48, 12, 22, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = whole_ticks(max_value or max((_num(v) for _, v in bars), default=0) or 1)
    top_value = ticks[-1]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">'
    ]
    for value in ticks:  # gridlines and whole-number y ticks
        y = top + plot_h - plot_h * value / top_value
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.6"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{value}</text>')
    if y_label:
        parts.append(f'<text x="{left}" y="12" fill="#444">{escape(y_label)}</text>')
    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.62, 70)
    for index, (label, value) in enumerate(bars):
        v = _num(value)
        h = plot_h * min(v / top_value, 1)
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"/>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#111">'
            f"{escape(value_format.format(v))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="#111">'
            f"{escape(str(label))}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    rows: list[tuple[str, float | Decimal, float | Decimal]],
    *,
    width: int = 640,
    row_height: int = 24,
    label_width: int = 150,
    color: str = "#3d7f5a",
) -> str:
    """One bar per row: (label, value, maximum) — e.g. a category's average against its maximum."""
    height = row_height * len(rows) + 24
    plot_w = width - label_width - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">'
    ]
    for index, (label, value, maximum) in enumerate(rows):
        v, m = _num(value), _num(maximum) or 1
        y = 8 + index * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.6:.1f}" text-anchor="end" fill="#111">'
            f"{escape(str(label))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{plot_w}" height="{row_height - 8}" fill="#e6ece8"/>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{plot_w * min(v / m, 1):.1f}" '
            f'height="{row_height - 8}" fill="{color}"/>'
        )
        pct = v / m * 100
        parts.append(
            f'<text x="{label_width + plot_w + 6}" y="{y + row_height * 0.6:.1f}" fill="#111">'
            f"{v:.2f} / {m:.1f}（{pct:.0f}%）</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

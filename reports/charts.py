"""The portal's one chart module: SVG drawn in Python (no JavaScript, no screenshots).

PDFs embed the charts as ``data:`` URLs (``data_uri``); pages put the same SVG inline, beside a table
of the same figures for screen readers (``reports/includes/chart.html``). Every axis has whole-number
ticks (``whole_ticks``); labels are fitted to the room they have (``fit``) and value labels are placed
where no other label is, so none overlaps another. Each bar carries ``data-label``/``data-series``/
``data-value`` (what it shows), which the tests read back.
"""

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


def text_width(text: str, size: float = 11) -> float:
    """The drawn width of ``text`` at ``size`` px: a CJK character is one em, Latin about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in str(text))


def fit(text: str, room: float, size: float = 11) -> str:
    """``text`` shortened with "…" to fit ``room`` px (the table beside the chart has it in full)."""
    text = str(text)
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _attr(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" class="chart-svg">'
    )


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
    left, right, top, bottom = 48, 12, 32, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = whole_ticks(max_value or max((_num(v) for _, v in bars), default=0) or 1)
    top_value = ticks[-1]
    parts = [_svg_open(width, height)]
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
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}" '
            f'data-label="{_attr(label)}" data-value="{_attr(value_format.format(v))}"/>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#111">'
            f"{escape(fit(value_format.format(v), slot - 4))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="#111">'
            f"{escape(fit(label, slot - 4))}</text>"
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
    parts = [_svg_open(width, height)]
    for index, (label, value, maximum) in enumerate(rows):
        v, m = _num(value), _num(maximum) or 1
        y = 8 + index * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.6:.1f}" text-anchor="end" fill="#111">'
            f"{escape(fit(label, label_width - 12))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{plot_w}" height="{row_height - 8}" fill="#e6ece8"/>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{plot_w * min(v / m, 1):.1f}" '
            f'height="{row_height - 8}" fill="{color}" data-label="{_attr(label)}" data-value="{v:.2f}"/>'
        )
        pct = v / m * 100
        parts.append(
            f'<text x="{label_width + plot_w + 6}" y="{y + row_height * 0.6:.1f}" fill="#111">'
            f"{v:.2f} / {m:.1f}（{pct:.0f}%）</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# ---- charts of counts, across rows (dashboards) and scores side by side (the center report) -----------
def _x_axis(parts: list, ticks: list[int], *, left: float, plot_w: float, top: float, bottom: float) -> None:
    """Vertical gridlines with whole-number ticks under the plot (horizontal bar charts)."""
    for value in ticks:
        x = left + plot_w * value / ticks[-1]
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="#ccc" stroke-width="0.6"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" fill="#444">{value}</text>')


def _legend(parts: list, series: list[tuple[str, str]], *, x: float, y: float) -> None:
    for name, color in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y}" fill="#111">{escape(name)}</text>')
        x += 14 + text_width(name) + 16


def stacked_bars(
    rows: list[tuple[str, list[int]]],
    series: list[tuple[str, str]],
    *,
    width: int = 640,
    row_height: int = 22,
    label_width: int = 170,
    total_label: str = "{0}/{1}",
) -> str:
    """One horizontal bar per row, cut into ``series`` (name, colour) by the row's counts — e.g. for
    each rule the centers 达标 / 未达标 / 无数据 / 不适用. The axis counts in whole numbers; a count is
    written inside its segment only where it fits, and ``total_label`` (first count / sum) after the bar."""
    right = 64
    plot_w = width - label_width - right
    legend_h, axis_h = 22, 22
    height = legend_h + row_height * len(rows) + axis_h
    ticks = whole_ticks(max((sum(counts) for _, counts in rows), default=0) or 1)
    parts = [_svg_open(width, height)]
    _legend(parts, series, x=label_width, y=14)
    plot_top, plot_bottom = legend_h, legend_h + row_height * len(rows)
    _x_axis(parts, ticks, left=label_width, plot_w=plot_w, top=plot_top, bottom=plot_bottom)
    for index, (label, counts) in enumerate(rows):
        y = plot_top + index * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.65:.1f}" text-anchor="end" fill="#111">'
            f"{escape(fit(label, label_width - 12))}</text>"
        )
        x = float(label_width)
        for (name, color), count in zip(series, counts, strict=True):
            w = plot_w * count / ticks[-1]
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" fill="{color}" '
                f'data-label="{_attr(label)}" data-series="{_attr(name)}" data-value="{count}"/>'
            )
            if count and w >= text_width(str(count)) + 6:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + row_height * 0.65:.1f}" text-anchor="middle" '
                    f'fill="#fff">{count}</text>'
                )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + row_height * 0.65:.1f}" fill="#111">'
            f"{escape(total_label.format(counts[0], sum(counts)))}</text>"
        )
    parts.append(
        f'<line x1="{label_width}" x2="{label_width}" y1="{plot_top}" y2="{plot_bottom}" stroke="#333"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def count_bars(
    rows: list[tuple[str, int]],
    *,
    unit: str = "",
    width: int = 640,
    row_height: int = 24,
    label_width: int = 130,
    color: str = "#2f5d8a",
) -> str:
    """One horizontal bar per row with its count after it (e.g. filings by state), whole-number axis."""
    right = 60
    plot_w = width - label_width - right
    height = row_height * len(rows) + 26
    ticks = whole_ticks(max((v for _, v in rows), default=0) or 1)
    parts = [_svg_open(width, height)]
    bottom = row_height * len(rows) + 4
    _x_axis(parts, ticks, left=label_width, plot_w=plot_w, top=4, bottom=bottom)
    for index, (label, value) in enumerate(rows):
        y = 4 + index * row_height
        w = plot_w * value / ticks[-1]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.65:.1f}" text-anchor="end" fill="#111">'
            f"{escape(fit(label, label_width - 12))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row_height - 8}" fill="{color}" '
            f'data-label="{_attr(label)}" data-value="{value}"/>'
        )
        parts.append(
            f'<text x="{label_width + w + 6:.1f}" y="{y + row_height * 0.65:.1f}" fill="#111">'
            f"{value}{escape(unit)}</text>"
        )
    parts.append(f'<line x1="{label_width}" x2="{label_width}" y1="4" y2="{bottom}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    groups: list[tuple[str, float | Decimal, list[float | Decimal | None]]],
    series: list[tuple[str, str]],
    *,
    width: int = 640,
    bar_height: int = 11,
    label_width: int = 150,
) -> str:
    """For each group (label, maximum, values per series) one thin horizontal bar per series that has
    a value, as a share of the group's maximum (so groups of different maxima compare), each with its
    score written after it: e.g. a category's 自评 / 抽检 / 上年 against its full marks. The axis is
    the share of full marks in whole percents."""
    right = 70
    plot_w = width - label_width - right
    legend_h, axis_h, gap = 22, 22, 8
    heights = [max(sum(1 for v in values if v is not None), 1) * bar_height + gap for _, _, values in groups]
    height = legend_h + sum(heights) + axis_h
    ticks = [0, 20, 40, 60, 80, 100]
    parts = [_svg_open(width, height)]
    _legend(parts, series, x=label_width, y=14)
    bottom = legend_h + sum(heights)
    _x_axis(parts, ticks, left=label_width, plot_w=plot_w, top=legend_h, bottom=bottom)
    parts.append(f'<text x="{width - 4}" y="14" text-anchor="end" fill="#444">横轴：得分率（%）</text>')
    y = float(legend_h)
    for (label, maximum, values), h in zip(groups, heights, strict=True):
        m = _num(maximum) or 1
        parts.append(
            f'<text x="{label_width - 8}" y="{y + h / 2 + 3:.1f}" text-anchor="end" fill="#111">'
            f"{escape(fit(label, label_width - 12))}</text>"
        )
        row_y = y + gap / 2
        for (name, color), value in zip(series, values, strict=True):
            if value is None:
                continue
            v = _num(value)
            w = plot_w * min(max(v / m, 0), 1)
            parts.append(
                f'<rect x="{label_width}" y="{row_y:.1f}" width="{w:.1f}" height="{bar_height - 2}" '
                f'fill="{color}" data-label="{_attr(label)}" data-series="{_attr(name)}" data-value="{v:.1f}"/>'
            )
            parts.append(
                f'<text x="{label_width + w + 4:.1f}" y="{row_y + bar_height - 3:.1f}" font-size="9" '
                f'fill="#111">{v:.1f}</text>'
            )
            row_y += bar_height
        y += h
    parts.append(f'<line x1="{label_width}" x2="{label_width}" y1="{legend_h}" y2="{bottom}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)


def score_history_chart(history: list[dict], *, width: int = 640) -> str:
    """The district's average final score per year (the summary's 图 3 and the dashboards)."""
    return bar_chart(
        [(f"{h['year']} 年度", h["average"]) for h in history],
        max_value=100,
        y_label="平均最终得分（分）",
        value_format="{:.2f}",
        width=width,
        height=220 if width < 640 else 260,
    )

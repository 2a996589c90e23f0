import functools
from html import escape

from django import template
from django.utils.safestring import mark_safe

from centers.compliance import RuleStatus
from centers.rules import rule_title
from core.vocabulary import name_rules

register = template.Library()

PK_SLOT = 987654321  # a number no path holds otherwise, replaced by each row's id
LABELS = {s.value: str(s.label) for s in RuleStatus}
SYMBOLS = {"met": "✓", "not_met": "✗", "no_data": "?", "not_applicable": "–"}


@register.simple_tag
def rule_status(result, short=False):
    """A status badge: colour AND text (never colour alone). A simple tag, not an inclusion tag: the
    overview renders a thousand of them — hence one f-string with every value escaped
    (``html.escape``, what ``format_html`` does through ``conditional_escape`` for plain strings)."""
    if result is None:
        return _badge("", "not_applicable", None)
    return _badge(result.rule, str(result.status), result.detail or "")


@functools.lru_cache(maxsize=4096)
def _badge(rule: str, status: str, detail: str | None) -> str:
    """One badge's markup; the same verdict with the same words recurs across the rows of a page and
    from page to page (“理事 5 名，监事 1 名…”), so each is written once per process and reused."""
    title = "" if detail is None else f"{rule_title(rule)}（{rule}）：{name_rules(detail)}"
    return mark_safe(  # noqa: S308 — every value escaped
        f'<span class="status status-{escape(status)}" title="{escape(title)}">'
        f'<span aria-hidden="true">{escape(SYMBOLS.get(status, ""))} </span>{escape(LABELS.get(status, status))}</span>'
    )


@register.simple_tag
def rule_status_cells(results):
    """``<td>`` + a badge for each result of a row (the overview's and the center list's nine columns):
    one tag call per row instead of a template loop per cell — the same HTML, about half the time."""
    return mark_safe("".join(f"<td>{rule_status(result)}</td>" for result in results))  # noqa: S308 — rule_status escapes


@register.simple_tag
def compliance_rows(rows, year):
    """The overview's and the center list's table body, one ``<tr>`` per center (up to 100 a page, ten
    badges each): built here in one pass, every value escaped, because the template engine spent more
    on the rows' ~25 nodes than on the figures. The markup is that of ``compliance_table.html``'s
    header (same columns, same order)."""
    from django.urls import reverse

    # one reverse() for the page, not one a row (~30 µs each): the center's id is the path's only part
    link = reverse("centers:center_detail", args=[PK_SLOT]).replace(str(PK_SLOT), "{pk}")
    out = []
    for row in rows:
        center = row["center"]
        place = center.street_town or center.industry
        first = row["cells"][0]
        n = first.figures.get("n") if first is not None else None
        counts = row["counts"]
        out.append(
            f'\n    <tr data-center="{center.pk}">\n'
            f'      <th scope="row"><a href="{escape(link.format(pk=center.pk))}'
            f'?year={escape(str(year))}">{escape(center.name)}</a></th>\n'
            f"      <td>{escape(str(center.get_level_display()))}"
            + (f'<br><span class="hint">{escape(str(place))}</span>' if place else "")
            + "</td>\n"
            f"      <td>{escape(str(center.get_status_display()))}</td>\n"
            f'      <td class="num">{"" if n is None else escape(str(n))}</td>\n'
            f"      {rule_status_cells(row['cells'])}\n"
            f'      <td class="num">{counts["met"]} / {counts["not_met"]} / {counts["no_data"]}</td>\n'
            "    </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 — every value escaped above


@register.filter
def status_label(status):
    return LABELS.get(status, status)


@register.filter
def yesno_cn(value):
    return "是" if value else "否"

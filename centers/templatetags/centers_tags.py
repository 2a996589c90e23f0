from html import escape

from django import template
from django.utils.safestring import mark_safe

from centers.compliance import RuleStatus
from centers.rules import rule_title
from core.vocabulary import name_rules

register = template.Library()

LABELS = {s.value: str(s.label) for s in RuleStatus}
SYMBOLS = {"met": "✓", "not_met": "✗", "no_data": "?", "not_applicable": "–"}


@register.simple_tag
def rule_status(result, short=False):
    """A status badge: colour AND text (never colour alone). A simple tag, not an inclusion tag: the
    overview renders a thousand of them — hence one f-string with every value escaped
    (``html.escape``, what ``format_html`` does through ``conditional_escape`` for plain strings)."""
    if result is None:
        status, title = "not_applicable", ""
    else:
        status = str(result.status)
        title = f"{rule_title(result.rule)}（{result.rule}）：{name_rules(result.detail)}"
    return mark_safe(  # noqa: S308 — every value escaped
        f'<span class="status status-{escape(status)}" title="{escape(title)}">'
        f'<span aria-hidden="true">{escape(SYMBOLS.get(status, ""))} </span>{escape(LABELS.get(status, status))}</span>'
    )


@register.simple_tag
def rule_status_cells(results):
    """``<td>`` + a badge for each result of a row (the overview's and the center list's nine columns):
    one tag call per row instead of a template loop per cell — the same HTML, about half the time."""
    return mark_safe("".join(f"<td>{rule_status(result)}</td>" for result in results))  # noqa: S308 — rule_status escapes


@register.filter
def status_label(status):
    return LABELS.get(status, status)


@register.filter
def yesno_cn(value):
    return "是" if value else "否"

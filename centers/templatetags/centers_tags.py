from django import template
from django.utils.html import format_html

from centers.compliance import RuleStatus
from centers.rules import rule_title
from core.vocabulary import name_rules

register = template.Library()

LABELS = {s.value: str(s.label) for s in RuleStatus}
SYMBOLS = {"met": "✓", "not_met": "✗", "no_data": "?", "not_applicable": "–"}


@register.simple_tag
def rule_status(result, short=False):
    """A status badge: colour AND text (never colour alone). A simple tag, not an inclusion tag: the
    overview renders a thousand of them."""
    if result is None:
        status, title = "not_applicable", ""
    else:
        status, title = (
            result.status,
            f"{rule_title(result.rule)}（{result.rule}）：{name_rules(result.detail)}",
        )
    return format_html(
        '<span class="status status-{}" title="{}"><span aria-hidden="true">{} </span>{}</span>',
        status,
        title,
        SYMBOLS.get(status, ""),
        LABELS.get(status, status),
    )


@register.filter
def status_label(status):
    return LABELS.get(status, status)


@register.filter
def yesno_cn(value):
    return "是" if value else "否"

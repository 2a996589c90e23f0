from django import template

from centers.compliance import RuleStatus
from centers.rules import rule_title

register = template.Library()

LABELS = {s.value: str(s.label) for s in RuleStatus}
SYMBOLS = {"met": "✓", "not_met": "✗", "no_data": "?", "not_applicable": "–"}


@register.inclusion_tag("centers/includes/status.html")
def rule_status(result, short=False):
    """A status badge: colour AND text (never colour alone)."""
    if result is None:
        return {
            "status": "not_applicable",
            "label": "不适用",
            "symbol": SYMBOLS["not_applicable"],
            "title": "",
        }
    return {
        "status": result.status,
        "label": LABELS.get(result.status, result.status),
        "symbol": SYMBOLS.get(result.status, ""),
        "title": f"{result.rule} {rule_title(result.rule)}：{result.detail}",
        "short": short,
    }


@register.filter
def status_label(status):
    return LABELS.get(status, status)


@register.filter
def yesno_cn(value):
    return "是" if value else "否"

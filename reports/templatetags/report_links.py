"""Links other apps' pages show to reports the user may open (the rule stays in reports.selectors)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("reports/includes/draw_record_link.html", takes_context=True)
def draw_record_link(context, cycle):
    """打印抽检记录 on a cycle's page, for whom ``reports.selectors.draw_record_cycles`` lets print it."""
    from reports.selectors import draw_record_cycle

    user = context["request"].user
    allowed = cycle is not None and draw_record_cycle(user, cycle.pk) is not None
    return {"url": reverse("reports:draw_record", args=[cycle.pk]) if allowed else "", "cycle": cycle}

from django import template

from activities.registers import warning_age
from activities.selectors import overdue_warnings

register = template.Library()


@register.inclusion_tag("activities/includes/center_panel.html")
def activities_panel(center):
    """The center page's small panel: early warnings open for more than 30 days (one query)."""
    rows = overdue_warnings(center)
    for row in rows:
        row.age = warning_age(row)
    return {"overdue": rows}

from django.core.exceptions import ImproperlyConfigured

from .selectors import current_district


def district(request):
    """``district`` in every template: portal name, bureau, policy and the "1+N+X" label."""
    try:
        return {"district": current_district()}
    except ImproperlyConfigured:  # no district loaded yet: pages still render (the error pages too)
        return {"district": None}

"""Home-page panels. Each app may offer panels for a role through a ``home_panels(request)`` function
in its ``home.py``; the home page shows them in app order. A panel is a dict with ``title``,
``template`` and ``context``."""

from importlib import import_module

PANEL_APPS = ("centers", "staffing", "evaluations", "reports")


def panels_for(request) -> list[dict]:
    panels = []
    for app in PANEL_APPS:
        try:
            module = import_module(f"{app}.home")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.home":
                raise
            continue
        panels.extend(module.home_panels(request) or [])
    return panels

"""Who sees what: the cycle and its rubric are open to every signed-in participant; a filing and
everything hanging off it follow ``Filing.restrict_queryset``."""

from __future__ import annotations


def global_perm(user, model, action: str) -> bool:
    """Model-wide permission (the bureau group's), never an object grant."""
    return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")

"""Reads of account administration: the list the account administrator sees (names only, no
business data) with the fixed number of queries pinned in the tests."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from . import services


def mask_mobile(mobile: str) -> str:
    """138****1234 (the same masking as the staff roster's phones)."""
    from staffing.selectors import mask_phone

    return mask_phone(mobile)


def user_list(actor):
    """Accounts ``actor`` may administer, with role groups, affiliation names and lock state.

    Three queries for a page of any size: the count, the page, its role groups.
    """
    locked = services.locked_attempts().filter(username=OuterRef("username"))
    return (
        services.managed_users(actor)
        .select_related("center", "supervising_unit")
        .prefetch_related("groups")
        .annotate(is_locked=Exists(locked))
        .order_by("username", "pk")
    )

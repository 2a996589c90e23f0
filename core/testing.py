"""Test helpers shared by every app: users per role, a PostgreSQL URL for the worker, skipping rules."""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_PASSWORD = "Test2026password"


def require(condition: bool, what_is_missing: str) -> None:
    """Skip outside CI when something the test needs is missing (naming it); in CI, fail instead."""
    if condition:
        return
    if CI:
        pytest.fail(f"CI=true and {what_is_missing} is missing: no test may be skipped in CI")
    pytest.skip(f"{what_is_missing} is missing")


def make_user(
    username: str, role: str | None = None, *, center=None, unit=None, password: str = TEST_PASSWORD, **extra
):
    """Create a user with a role and the grants that role holds on ``center`` / ``unit``."""
    from accounts import services
    from accounts.models import User
    from accounts.roles import Role

    user = User.objects.create_user(
        username=username, password=password, full_name=extra.pop("full_name", username), **extra
    )
    if role == Role.BUREAU:
        services.make_bureau_staff(user)
    elif role == Role.SUPERVISOR and unit is not None:
        services.grant_supervising_unit(user=user, unit=unit)
    elif role in (Role.DIRECTOR, Role.SUPERVISOR, Role.AUDITOR) and center is not None:
        services.grant_center(user=user, center=center, role=role)
    elif role:
        services.user_set_role(user, role)
    return user

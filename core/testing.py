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
    """Create a user with a role and its affiliation (a director's ``center``, a supervisor's ``unit``)."""
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
    elif role == Role.DIRECTOR and center is not None:
        services.grant_center(user=user, center=center, role=role)
    elif role:
        services.user_set_role(user, role)
    return user


class DatabaseSnapshot:
    """Every Django table's rows and every sequence's value, captured with PostgreSQL COPY.

    Seeding the demo data takes seconds; restoring this snapshot takes a fraction of one. ``restore``
    empties the tables and copies the rows back, inside the caller's transaction (Django's foreign
    keys are DEFERRABLE INITIALLY DEFERRED, so row order does not matter).
    """

    def __init__(self, tables: dict[str, bytes], sequences: dict[str, tuple[int, bool]]):
        self.tables = tables
        self.sequences = sequences

    @classmethod
    def take(cls, connection) -> DatabaseSnapshot:
        import io

        names = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
        tables = {}
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for name in names:
                buffer = io.BytesIO()
                raw.copy_expert(f'COPY "{name}" TO STDOUT WITH (FORMAT binary)', buffer)
                tables[name] = buffer.getvalue()
            cursor.execute(
                "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
            sequences = {
                f'"{schema}"."{seq}"': (value, value is not None) for schema, seq, value in cursor.fetchall()
            }
        return cls(tables, sequences)

    def restore(self, connection) -> None:
        import io

        from django.contrib.contenttypes.models import ContentType
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            # Fire the foreign-key checks still pending from earlier writes, then defer them all:
            # rows are deleted and copied back in any order and checked once, at the end.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # The audit log's guard (core migration 0002) lets a DELETE through only when purging.
            cursor.execute("SELECT set_config('qingpu.audit_purge', 'on', true)")
            # DELETE, not TRUNCATE: on tables of a few thousand rows it is many times faster.
            for name in self.tables:
                cursor.execute(f'DELETE FROM "{name}"')
            for name, data in self.tables.items():
                raw.copy_expert(f'COPY "{name}" FROM STDIN WITH (FORMAT binary)', io.BytesIO(data))
            # Sequences are not rolled back with the transaction: only ever move them forward, past
            # both the snapshot's rows and anything handed out since.
            for seq, (value, _called) in self.sequences.items():
                if value is not None:
                    cursor.execute(
                        "SELECT setval(%s, GREATEST(%s, (SELECT COALESCE(last_value, 1) FROM pg_sequences "
                        "WHERE schemaname || '.' || sequencename = %s)))",
                        [seq, value, seq.replace('"', "")],
                    )
        ContentType.objects.clear_cache()

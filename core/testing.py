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


VOLATILE_TABLES = {"core_workerheartbeat"}  # kept out of DatabaseSnapshot


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

        # The workers' heartbeats are written by another process (the session's Celery worker) at any
        # moment: restoring them would race its next beat (a duplicate hostname), so they stay live.
        names = sorted(
            name
            for name in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if name not in VOLATILE_TABLES
        )
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
        from guardian.shortcuts import clear_ct_cache

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
        # The snapshot's content-type ids may differ from those a flush created since: both caches
        # (Django's, and guardian's lru_cache of codename → type, which only post_migrate clears) go.
        ContentType.objects.clear_cache()
        clear_ct_cache()


# ---- two-factor in tests ----------------------------------------------------------------------------
def enrol_two_factor(user):
    """A confirmed TOTP device for ``user`` (as accounts' enrolment page leaves it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import TOTP_DEVICE_NAME

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)


def current_code(device) -> str:
    """The 6 digits the user's authenticator app shows now (a real TOTP computation)."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def login_as(client, user):
    """``client.force_login(user)``, as a session that has passed every login step: a role that must
    use two-factor (TWO_FACTOR_ROLES) is enrolled and the session marked verified, as a code would."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.security import two_factor_required

    client.force_login(user)
    if two_factor_required(user):
        device = enrol_two_factor(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client

"""The role web, worker and beat run as cannot switch off or get round the audit trail.

docs/operations.md: an owner role runs migrations; the service runs as a separate role
given data changes only (``manage.py grant_app_role``). Such a role cannot disable the
append-only triggers (only an owner can), cannot bypass them with
``session_replication_role`` (only a superuser can), and has no UPDATE, DELETE or
TRUNCATE on the audit tables in the first place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from tests.personas import raise_referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AUDIT_TABLES = ["workflows_transitionlog", "auditlog_logentry", "workflows_auditseal"]


@pytest.fixture
def app_role() -> Iterator[str]:
    """A login role of this test's own (roles are cluster-wide), granted by the command."""
    role = f"csp_app_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'app-role-test'")
    try:
        out = StringIO()
        call_command("grant_app_role", role, stdout=out)
        assert f"OK: '{role}' may change data, not the audit trail." in out.getvalue()
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def _as(role: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        password="app-role-test",
        autocommit=True,
    )


def _refused(conn: psycopg.Connection, sql: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        conn.execute(sql)
    return str(refused.value)


@pytest.fixture
def raised(people) -> None:
    raise_referral(people.officer, "vawg")


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_app_role_cannot_disable_an_append_only_trigger(app_role, raised, table) -> None:
    with _as(app_role) as conn:
        message = _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        assert "must be owner" in message
        _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")


def test_the_app_role_cannot_switch_triggers_off_for_its_session(app_role, raised) -> None:
    with _as(app_role) as conn:
        _refused(conn, "SET session_replication_role = replica")


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_app_role_may_not_update_delete_or_truncate_the_audit_tables(
    app_role, raised, table
) -> None:
    with _as(app_role) as conn:
        (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
        assert rows > 0
        assert "permission denied" in _refused(conn, f"UPDATE {table} SET id = id")
        assert "permission denied" in _refused(conn, f"DELETE FROM {table}")
        assert "permission denied" in _refused(conn, f"TRUNCATE {table}")
        (after,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
        assert after == rows


def test_the_app_role_can_still_do_its_work(app_role, raised) -> None:
    with _as(app_role) as conn, conn.transaction(force_rollback=True):
        conn.execute("UPDATE cases_case SET updated_at = updated_at")
        conn.execute("DELETE FROM django_session")
        conn.execute(
            "INSERT INTO cases_referencecounter (prefix, year, last) VALUES ('TST', 2026, 1)"
        )
        (n,) = conn.execute("SELECT count(*) FROM workflows_transitionlog").fetchone()  # type: ignore[misc]
        assert n > 0


def test_an_owner_or_superuser_role_is_refused(db) -> None:
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")
    with pytest.raises(CommandError, match="there is no role"):
        call_command("grant_app_role", "no_such_role_anywhere")


def test_the_app_role_cannot_erase_a_reason_and_the_command_says_who_can(app_role, people) -> None:
    from workflows.models import TransitionLog

    case = raise_referral(people.officer, "asb").case
    with _as(app_role) as conn:
        assert "permission denied" in _refused(
            conn,
            "UPDATE workflows_transitionlog SET reason = '', reason_erased_at = now() "
            "WHERE reason_digest <> ''",
        )
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {app_role}")
        with pytest.raises(CommandError, match="run this command as the tables' owner"):
            call_command("erase_transition_reasons", "--before", tomorrow, "--case", case.reference)
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert TransitionLog.objects.get(case=case).reason

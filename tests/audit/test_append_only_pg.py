"""PostgreSQL refuses UPDATE and DELETE on the audit tables; TRUNCATE (test flushes) works."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction

from tests.audit.conftest import verify
from tests.personas import raise_referral
from workflows.models import AuditSeal, TransitionLog

pytestmark = pytest.mark.postgres

TABLES = ["workflows_transitionlog", "auditlog_logentry", "workflows_auditseal"]
CHANGES = {
    "workflows_transitionlog": "reason = 'rewritten'",
    "auditlog_logentry": "object_repr = 'rewritten'",
    "workflows_auditseal": "hash = repeat('0', 64)",
}


def _refused(sql: str) -> str:
    """Run ``sql`` in a savepoint; return the database's error message (fail if none)."""
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return str(exc.value)


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_raw_update_of_an_audit_table_is_refused(people, table) -> None:
    raise_referral(people.officer, "vawg")
    message = _refused(f"UPDATE {table} SET {CHANGES[table]}")
    assert f"audit table {table} is append-only: UPDATE is not allowed" in message
    assert verify()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_raw_delete_from_an_audit_table_is_refused(people, table) -> None:
    raise_referral(people.officer, "vawg")
    count = _count(table)
    message = _refused(f"DELETE FROM {table}")
    assert f"audit table {table} is append-only: DELETE is not allowed" in message
    assert _count(table) == count > 0


@pytest.mark.django_db
def test_the_orm_cannot_rewrite_or_remove_audit_rows_either(people) -> None:
    raise_referral(people.officer, "asb")
    with pytest.raises(DatabaseError), transaction.atomic():
        TransitionLog.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=LogEntry.objects.latest("pk").pk).delete()
    assert TransitionLog.objects.filter(reason="rewritten").count() == 0


@pytest.mark.django_db(transaction=True)
def test_truncate_still_empties_the_audit_tables_so_test_flushes_work(people) -> None:
    raise_referral(people.officer, "asb")
    assert AuditSeal.objects.exists()
    with connection.cursor() as c:
        c.execute(f"TRUNCATE {', '.join(TABLES)}")
    assert (TransitionLog.objects.count(), LogEntry.objects.count()) == (0, 0)
    assert AuditSeal.objects.count() == 0


def _count(table: str) -> int:
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {table}")
        (n,) = c.fetchone()
    return int(n)

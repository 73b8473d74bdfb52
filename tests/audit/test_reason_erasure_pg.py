"""PostgreSQL lets exactly one UPDATE through on the transition log: erasing a reason.

The trigger compares OLD and NEW column by column: ``reason`` may become '' together with a
first ``reason_erased_at``, on a row that has a digest, and nothing else may change. Every
other UPDATE, and every DELETE, is refused as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tests.audit.conftest import go, verify
from tests.personas import raise_referral
from workflows.models import TransitionLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLE = "workflows_transitionlog"
REFUSED = f"audit table {TABLE} is append-only: UPDATE is not allowed"
ERASE = "reason = '', reason_erased_at = now()"
# What the erasure may change; the model's every other column must be held unchanged.
ERASABLE = {"reason", "reason_erased_at"}


@pytest.fixture
def row(people) -> TransitionLog:
    case = raise_referral(people.officer, "asb").case
    go(case, "triage", people.asb_coordinator)
    return TransitionLog.objects.get(case=case, seq=2)


def _update(sql: str, params: tuple[Any, ...] = ()) -> int:
    with transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
        return int(c.rowcount)


def _refused(sql: str, params: tuple[Any, ...] = ()) -> str:
    with pytest.raises(DatabaseError) as exc:
        _update(sql, params)
    return str(exc.value)


def _column_changed(column: str, data_type: str) -> str:
    """SQL that gives ``column`` a different value, whatever its type and current value."""
    if data_type in {"integer", "bigint", "smallint"}:
        return f"{column} = coalesce({column}, 0) + 1"
    if data_type in {"character varying", "text"}:
        return f"{column} = CASE WHEN {column} = 'x' THEN 'y' ELSE 'x' END"
    if data_type == "jsonb":
        other = """'{"x": 1}'::jsonb"""
        return f"{column} = CASE WHEN {column} = {other} THEN '{{}}'::jsonb ELSE {other} END"
    if data_type == "timestamp with time zone":
        return f"{column} = coalesce({column}, now()) + interval '1 second'"
    raise AssertionError(f"teach this test to change a {data_type} column ({column})")


def _columns() -> list[tuple[str, str]]:
    with connection.cursor() as c:
        c.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            [TABLE],
        )
        return [(name, kind) for name, kind in c.fetchall()]


def test_erasing_a_reason_is_let_through_and_the_chain_still_verifies(row) -> None:
    assert _update(f"UPDATE {TABLE} SET {ERASE} WHERE id = %s", (row.pk,)) == 1
    row.refresh_from_db()
    assert row.reason == ""
    assert row.reason_erased_at is not None
    ok, output = verify()
    assert ok, output


def test_the_trigger_holds_every_other_column_of_the_model_unchanged(row) -> None:
    columns = _columns()
    model_columns = {f.column for f in TransitionLog._meta.concrete_fields}
    assert {name for name, _ in columns} == model_columns
    outcome = {}
    for column, data_type in columns:
        if column in ERASABLE:
            continue
        change = _column_changed(column, data_type)
        try:
            _update(f"UPDATE {TABLE} SET {ERASE}, {change} WHERE id = %s", (row.pk,))
        except DatabaseError as exc:
            outcome[column] = "refused" if REFUSED in str(exc) else str(exc)
        else:
            outcome[column] = "let through: add it to HELD in migration 0010's trigger"
    assert outcome == dict.fromkeys(outcome, "refused")
    assert len(outcome) == len(columns) - len(ERASABLE)
    row.refresh_from_db()
    assert row.reason


@pytest.mark.parametrize(
    "change",
    [
        "target = 'closed'",
        "actor_id = NULL",
        "reason_digest = repeat('0', 64)",
        "reason = 'Nothing to see'",
        "reason = 'Nothing to see', reason_erased_at = now()",
        "reason = ''",
        "reason_erased_at = now()",
    ],
)
def test_any_other_update_is_refused(row, change) -> None:
    assert REFUSED in _refused(f"UPDATE {TABLE} SET {change} WHERE id = %s", (row.pk,))
    assert verify()[0]


def test_a_row_without_a_digest_cannot_be_erased(row, tamper) -> None:
    tamper(f"UPDATE {TABLE} SET reason_digest = '' WHERE id = %s", (row.pk,))
    assert REFUSED in _refused(f"UPDATE {TABLE} SET {ERASE} WHERE id = %s", (row.pk,))


def test_an_erased_reason_cannot_be_erased_again_with_another_date(row) -> None:
    _update(f"UPDATE {TABLE} SET {ERASE} WHERE id = %s", (row.pk,))
    assert REFUSED in _refused(
        f"UPDATE {TABLE} SET reason_erased_at = reason_erased_at + interval '1 day' WHERE id = %s",
        (row.pk,),
    )
    assert REFUSED in _refused(f"UPDATE {TABLE} SET {ERASE} WHERE id = %s", (row.pk,))


def test_delete_is_still_refused_even_after_erasure(row) -> None:
    _update(f"UPDATE {TABLE} SET {ERASE} WHERE id = %s", (row.pk,))
    message = _refused(f"DELETE FROM {TABLE} WHERE id = %s", (row.pk,))
    assert f"audit table {TABLE} is append-only: DELETE is not allowed" in message
    assert TransitionLog.objects.filter(pk=row.pk).exists()


def test_the_other_audit_tables_keep_the_plain_append_only_trigger(row) -> None:
    for table in ("auditlog_logentry", "workflows_auditseal"):
        assert f"audit table {table} is append-only: UPDATE is not allowed" in _refused(
            f"UPDATE {table} SET id = id"
        )

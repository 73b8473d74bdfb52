"""Helpers for the audit tests: cases moved through their workflows, and tampering."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.models import Case
from workflows.actions import case_transition


def go(case: Case, name: str, by: Any, **data: Any) -> Case:
    return case_transition(case_id=case.pk, name=name, by=by, reason=f"{name}: test", data=data)


def sealed_entries(case: Case) -> list[LogEntry]:
    """The case's audit entries in the order of its seal chain."""
    return list(
        LogEntry.objects.filter(csp_seal__case=case)
        .select_related("content_type", "actor")
        .order_by("csp_seal__seq")
    )


def label(entry: LogEntry) -> tuple[str, str]:
    ct = entry.content_type
    return f"{ct.app_label}.{ct.model}", str(entry.get_action_display())


def verify() -> tuple[bool, str]:
    """Run ``verify_audit``; (passed, everything it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return False, f"{out.getvalue()}{err.getvalue()}{exc}"
    return True, out.getvalue() + err.getvalue()


@pytest.fixture
def tamper() -> Callable[..., None]:
    """Run raw SQL against an audit table as an attacker with database access would.

    On PostgreSQL the append-only triggers are switched off around the statement with
    ``session_replication_role = replica`` (SET LOCAL: this transaction only, and the
    test's rollback ends it in any case).
    """

    def run(sql: str, params: tuple[Any, ...] = ()) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    return run

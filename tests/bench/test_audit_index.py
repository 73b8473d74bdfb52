"""The audit trail's (actor, timestamp) index, added for the actor filter the bench measured."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_audit_entries_are_indexed_by_actor_then_timestamp() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "auditlog_logentry")
    index = constraints["auditlog_logentry_actor_ts"]
    assert index["index"]
    assert index["columns"] == ["actor_id", "timestamp"]
    assert not index["unique"]

"""PostgreSQL advisory locks: for what has no row to lock (a chain's head, a fingerprint,
an idempotency key). SQLite runs one writer at a time, so there they are not needed."""

from __future__ import annotations

import hashlib

from django.db import connection


def advisory_lock_id(name: str) -> int:
    """A signed 64-bit lock id for ``name``. A collision only makes two unrelated writers
    take turns; callers never rely on the lock for anything but ordering."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def advisory_xact_lock(lock: str | int) -> None:
    """Wait for the lock and hold it until the current transaction ends (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    lock_id = lock if isinstance(lock, int) else advisory_lock_id(lock)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])

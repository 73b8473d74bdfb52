"""Case and referral references: ``ASB-2026-000123``, unique and increasing per prefix and
year, with gaps possible."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from cases.models import ReferenceCounter


def _references_next(*, prefixes: Collection[str], now: datetime) -> dict[str, str]:
    """Advance the ``(prefix, year)`` counters by one each (a new year's starts at 1) and
    return the references they now give, by prefix, in the caller's transaction.

    One upsert, one round trip (the ORM's upsert can only overwrite, not add one): the rows
    are locked in prefix order, so two callers never deadlock, and each sees the other's
    committed increment, so no number is handed out twice. Only quoted identifiers and
    placeholders are interpolated into the SQL.
    """
    year = timezone.localtime(now).year
    ordered = sorted(set(prefixes))
    quote = connection.ops.quote_name
    table = quote(ReferenceCounter._meta.db_table)
    prefix, year_col, last = quote("prefix"), quote("year"), quote("last")
    rows = ", ".join(["(%s, %s, 1)"] * len(ordered))
    upsert = (
        f"INSERT INTO {table} ({prefix}, {year_col}, {last}) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT ({prefix}, {year_col}) DO UPDATE SET {last} = {table}.{last} + 1"
    )
    params = [value for p in ordered for value in (p, year)]
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:
            cursor.execute(f"{upsert} RETURNING {prefix}, {last}", params)
        else:  # SQLite before 3.35: the rows stay ours until commit, so read them back.
            cursor.execute(upsert, params)
            wanted = ", ".join(["%s"] * len(ordered))
            cursor.execute(
                f"SELECT {prefix}, {last} FROM {table} "  # noqa: S608
                f"WHERE {year_col} = %s AND {prefix} IN ({wanted})",
                [year, *ordered],
            )
        numbers = dict(cursor.fetchall())
    return {p: f"{p}-{year}-{numbers[p]:06d}" for p in ordered}


def reference_allocate(*, prefix: str, now: datetime) -> str:
    """Next ``ASB-2026-000123`` style reference, in the caller's transaction: the counter
    row stays locked until that transaction ends, so concurrent callers queue behind it.
    Intake reserves its references beforehand with ``references_reserve`` instead."""
    return _references_next(prefixes=[prefix], now=now)[prefix]


def references_reserve(*, prefixes: Collection[str], now: datetime) -> dict[str, str]:
    """The next reference of each prefix for ``now``'s year, committed at once.

    A transaction of its own (``durable``: never inside another), so the counter rows are
    locked for one statement rather than for the whole of the caller's transaction, and
    concurrent intakes no longer run one at a time. The price: a reference reserved for a
    write that then fails is never used. References are unique and increase with each
    reservation, per prefix and year, but may have gaps.
    """
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            # Do not wait for this commit's WAL flush (with the counter rows still locked):
            # the write that uses the references commits after it, in this session, and
            # its flush covers this commit too. A crash before then loses both together.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _references_next(prefixes=prefixes, now=now)

"""When a deadline falls due: the current working calendar and each duration unit's rule.

The calendar is built from the ``BankHoliday`` table and cached per process, keyed by a
cheap fingerprint of the table so a holiday saved by another process is seen at once.
"""

from __future__ import annotations

import calendar as month_calendar
import threading
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max

from workflows.calendar import LONDON, WORKDAY_END, WorkingCalendar
from workflows.models import BankHoliday, DurationUnit, SlaPolicy

_cache_lock = threading.Lock()
_cache: tuple[tuple[Any, ...], WorkingCalendar] | None = None


def current_calendar() -> WorkingCalendar:
    """The working calendar from the table, rebuilt only when the table has changed.

    The fingerprint (count, highest id, latest change) costs one aggregate query and lets a
    worker see a holiday the web process just saved, which a plain per-process cache would
    not. Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL).
    """
    global _cache
    stamp = BankHoliday.objects.aggregate(n=Count("id"), top=Max("id"), changed=Max("updated_at"))
    key = (stamp["n"], stamp["top"], stamp["changed"])
    with _cache_lock:
        if _cache is not None and _cache[0] == key:
            return _cache[1]
    days = frozenset(BankHoliday.objects.values_list("date", flat=True))
    built = WorkingCalendar(holidays=days)
    with _cache_lock:
        _cache = (key, built)
    return built


def forget_calendar() -> None:
    """Drop this process's cached calendar (after a change made in this process)."""
    global _cache
    with _cache_lock:
        _cache = None


def anchor_instant(day: date, offset_days: int, at: time) -> datetime:
    """``at`` o'clock London time, ``offset_days`` after ``day``; aware, in London time."""
    return datetime.combine(day + timedelta(days=offset_days), at, tzinfo=LONDON)


def add_months(start: datetime, months: int) -> datetime:
    """The same London wall-clock time ``months`` calendar months later (31 Jan + 1 = 28 Feb)."""
    local = start.astimezone(LONDON)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, month_calendar.monthrange(year, month)[1])
    wall = local.time().replace(fold=0)
    return datetime.combine(date(year, month, day), wall, tzinfo=LONDON)


def base_due(policy: SlaPolicy, *, clock_from: datetime, calendar: WorkingCalendar) -> datetime:
    """The due time the policy gives a clock running from ``clock_from``, before any pause."""
    unit, n = policy.duration_unit, policy.duration_value
    if unit == DurationUnit.MINUTES:
        return calendar.add_hours(start=clock_from, hours=n / 60)
    if unit == DurationUnit.HOURS:
        return calendar.add_hours(start=clock_from, hours=n)
    if unit == DurationUnit.WORKING_DAYS:
        cutoff = policy.working_day_cutoff or WORKDAY_END  # the policy's, e.g. HMPPS 13:00
        return calendar.add_working_days(start=clock_from, days=n, cutoff=cutoff)
    if unit == DurationUnit.CALENDAR_DAYS:
        return calendar.add_calendar_days(start=clock_from, days=n)
    if unit == DurationUnit.CALENDAR_MONTHS:
        return add_months(clock_from, n)
    if unit == DurationUnit.END_OF_NEXT_WORKING_DAY:
        return calendar.end_of_next_working_day(clock_from)
    if unit == DurationUnit.START_OF_NEXT_WORKING_DAY:
        return calendar.start_of_next_working_day(clock_from, at=policy.anchor_time)
    if unit == DurationUnit.AT_ANCHOR:
        return clock_from
    raise ValueError(f"policy {policy.code} has an unknown duration unit {unit!r}")


def base_warn(
    policy: SlaPolicy, *, started_at: datetime, due: datetime, calendar: WorkingCalendar
) -> datetime:
    """When to warn: ``warn_fraction`` of the way from planning to due (never after due).

    A clock planned after it was already due (a release date recorded late) warns at due.
    """
    start = min(started_at, due)
    return calendar.warn_at(start=start, due=due, fraction=float(policy.warn_fraction))

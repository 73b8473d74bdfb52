"""The bank-holiday table and every change to it.

The table is the one source of holidays at run time. It is seeded from the ``holidays``
package by a migration and replaced year by year from GOV.UK's JSON by
``manage.py load_bank_holidays``. Every change goes through a function here, which
recomputes the open working-day deadlines in the same transaction (DOMAIN.md: "a changed
holiday list must recompute open deadlines").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows.calendar import england_and_wales_holidays
from workflows.models import (
    WORKING_DAY_UNITS,
    BankHoliday,
    Deadline,
    DeadlineStatus,
    HolidaySource,
)
from workflows.sla.clock import base_due, base_warn, current_calendar, forget_calendar

# Years the migration seeds from the holidays package; GOV.UK's file overrides its years.
SEED_YEARS = range(2020, 2041)


def seed_bank_holidays(
    *, years: Iterable[int] = SEED_YEARS, now: datetime | None = None, holiday_model: Any = None
) -> int:
    """Add the England and Wales holidays for ``years`` that the table lacks; returns count.

    Idempotent, and never overwrites a date already present (it may have come from GOV.UK).
    ``holiday_model`` is the historical model when called from a data migration.
    """
    model = holiday_model or BankHoliday
    now = now or timezone.now()
    created = 0
    for day, title in england_and_wales_holidays(years).items():
        _, was_created = model.objects.get_or_create(
            date=day,
            defaults={
                "title": title,
                "source": HolidaySource.HOLIDAYS_PACKAGE,
                "updated_at": now,
            },
        )
        created += was_created
    forget_calendar()
    return created


@dataclass(frozen=True)
class HolidayLoad:
    created: int
    updated: int
    removed: int
    recomputed: int


def bank_holiday_save(*, holiday: BankHoliday, now: datetime) -> int:
    """Save one holiday (new or edited); returns how many open deadlines moved."""
    with transaction.atomic():
        holiday.updated_at = now
        holiday.full_clean()
        holiday.save()
        return _after_change(now=now)


def bank_holiday_delete(*, holidays: Iterable[BankHoliday], now: datetime) -> int:
    """Remove holidays; returns how many open deadlines moved."""
    with transaction.atomic():
        BankHoliday.objects.filter(pk__in=[h.pk for h in holidays]).delete()
        return _after_change(now=now)


def bank_holidays_load(*, holidays: Mapping[date, str], source: str, now: datetime) -> HolidayLoad:
    """Make the table hold exactly ``holidays`` for every year they cover.

    Years the mapping does not mention are left alone, so a GOV.UK file covering 2019-2027
    keeps the package's holidays for 2028 onwards. Open working-day deadlines are
    recomputed when a date was added or removed.
    """
    if not holidays:
        raise ValueError("the holiday list is empty: nothing to load")
    if source not in HolidaySource.values:
        raise ValueError(f"source must be one of {', '.join(HolidaySource.values)}, got {source!r}")
    years = sorted({d.year for d in holidays})
    with transaction.atomic():
        existing = {
            h.date: h for h in BankHoliday.objects.select_for_update().filter(date__year__in=years)
        }
        created = updated = 0
        for day, title in sorted(holidays.items()):
            row = existing.pop(day, None)
            if row is None:
                BankHoliday.objects.create(date=day, title=title, source=source, updated_at=now)
                created += 1
            elif row.title != title or row.source != source:
                row.title, row.source, row.updated_at = title, source, now
                row.save(update_fields=["title", "source", "updated_at"])
                updated += 1
        removed = len(existing)
        BankHoliday.objects.filter(pk__in=[h.pk for h in existing.values()]).delete()
        # Only a change of dates moves a deadline; a retitled holiday does not.
        recomputed = _after_change(now=now) if created or removed else 0
    return HolidayLoad(created=created, updated=updated, removed=removed, recomputed=recomputed)


def deadlines_recompute_working_days(*, now: datetime) -> int:
    """Recompute due and warning times of open working-day deadlines from the current table.

    Breached, met and cancelled deadlines keep their history. The pause time credited so
    far is added back; a warning already sent is not sent again. Rows are locked in id
    order, the order the transition hook uses, so the two cannot deadlock.
    """
    calendar = current_calendar()
    moved = 0
    rows = (
        Deadline.objects.select_for_update(of=("self",))
        .filter(status=DeadlineStatus.OPEN, policy__duration_unit__in=WORKING_DAY_UNITS)
        .select_related("policy")
        .order_by("pk")
    )
    for deadline in rows:
        due = base_due(deadline.policy, clock_from=deadline.clock_from, calendar=calendar)
        warn = base_warn(
            deadline.policy, started_at=deadline.started_at, due=due, calendar=calendar
        )
        due, warn = due + deadline.pause_total, warn + deadline.pause_total
        if (due, warn) == (deadline.due_at, deadline.warn_at):
            continue
        deadline.due_at, deadline.warn_at, deadline.updated_at = due, warn, now
        deadline.save(update_fields=["due_at", "warn_at", "updated_at"])
        moved += 1
    return moved


def _after_change(*, now: datetime) -> int:
    forget_calendar()
    return deadlines_recompute_working_days(now=now)

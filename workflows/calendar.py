"""Working-day calendar arithmetic for SLA clocks: pure functions, no models, no clock.

Every function takes the instant it starts from; none reads the current time, so callers
capture ``timezone.now()`` once per operation and pass it in. Datetimes must be aware;
results are aware UTC datetimes, ready to store. Working days are Monday to Friday less
the England and Wales bank holidays the calendar is built with (DOMAIN.md, "Working days").

The holiday dates come from outside: GOV.UK's bank-holidays JSON
(:func:`parse_govuk_bank_holidays`) or the ``holidays`` package
(:func:`england_and_wales_holidays`). A calendar knows only the dates it is given, so a
deadline in a year it holds no holidays for treats that year's bank holidays as working days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

LONDON = ZoneInfo("Europe/London")
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)
# HMPPS's cut-off: work received at or after 13:00, or on a non-working day, starts at 09:00
# on the next working day (DOMAIN.md, "Working days": one HMPPS service's practice). Not a
# national rule for every clock: each SLA policy says whether it applies (working_day_cutoff).
HMPPS_CUTOFF = time(13, 0)

_SATURDAY = 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _require_aware(value: datetime, *, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _iso_date(value: str) -> date | None:
    # fromisoformat alone also takes "20261225" and week dates; GOV.UK publishes only
    # YYYY-MM-DD, so any other form is a sign of a bad document.
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _london_at(day: date, wall: time) -> datetime:
    """The instant ``wall`` o'clock London time on ``day``, in UTC."""
    return datetime.combine(day, wall, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday to Friday, less ``holidays`` (England and Wales bank holidays).

    Holidays that fall on a weekend are harmless: the day is non-working either way.
    """

    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # A datetime is a date subclass but never equals one, so it would silently fail
        # to close its day: reject it rather than compute wrong deadlines.
        wrong = [d for d in self.holidays if type(d) is not date]
        if wrong:
            raise TypeError(f"holidays must be datetime.date values, got {wrong[0]!r}")

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < _SATURDAY and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.working_day_on_or_after(d + timedelta(days=1))

    def working_day_on_or_after(self, d: date) -> date:
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def clock_start(self, start: datetime, *, cutoff: time = WORKDAY_END) -> datetime:
        """When a working-day clock for work received at ``start`` begins, in UTC.

        Work received on a working day before ``cutoff`` London time starts at once (or at
        09:00 if it arrived before the working day began). Work received at ``cutoff`` or
        later, or on a weekend or bank holiday, starts at 09:00 on the next working day.
        Without a cut-off of its own a clock's day ends at 17:00. With the HMPPS cut-off
        (:data:`HMPPS_CUTOFF`, 13:00), as in HMPPS's own deadline service
        (approved-premises-api, TaskDeadlineService: the same day only while the hour is
        below 13), work received at 13:00:00 itself starts the next working day.
        """
        _require_aware(start, name="start")
        local = start.astimezone(LONDON)
        if self.is_working_day(local.date()) and local.time() < cutoff:
            return max(start.astimezone(UTC), _london_at(local.date(), WORKDAY_START))
        return _london_at(self.next_working_day(local.date()), WORKDAY_START)

    def add_working_days(
        self, *, start: datetime, days: int, cutoff: time = WORKDAY_END
    ) -> datetime:
        """The deadline ``days`` working days after work received at ``start``, in UTC.

        The rule, all in Europe/London wall-clock time:

        1. Day 0 is the day the clock starts (:meth:`clock_start`): the day of ``start`` if
           that is a working day and ``start`` is before ``cutoff`` (17:00, the end of the
           working day, unless the policy sets one), otherwise the next working day.
        2. The deadline is 17:00 on the ``days``-th working day after day 0. So 0 days is
           17:00 on day 0; 2 days from Monday 10:00 is Wednesday 17:00; 2 days from Friday
           14:00 is Tuesday 17:00, or with the HMPPS 13:00 cut-off Wednesday 17:00; 1 day
           from Saturday is Tuesday 17:00.

        The deadline is never before ``start`` and is always 17:00 London time on a working
        day (16:00 UTC in summer, 17:00 UTC in winter). ``days`` must not be negative, and
        ``cutoff`` must not be after 17:00.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        if cutoff > WORKDAY_END:
            raise ValueError(f"cutoff must not be after {WORKDAY_END}, got {cutoff}")
        day = self.clock_start(start, cutoff=cutoff).astimezone(LONDON).date()
        for _ in range(days):
            day = self.next_working_day(day)
        return _london_at(day, WORKDAY_END)

    def end_of_next_working_day(self, start: datetime) -> datetime:
        """17:00 London time on the first working day after ``start``'s London date, in UTC.

        For "by the end of the next working day" (FGM reporting best practice, the first
        probation appointment after release). There is no cut-off here: Monday 16:00 gives
        Tuesday 17:00, where ``add_working_days(start=start, days=1, cutoff=HMPPS_CUTOFF)``
        would give Wednesday.
        """
        _require_aware(start, name="start")
        local_day = start.astimezone(LONDON).date()
        return _london_at(self.next_working_day(local_day), WORKDAY_END)

    def start_of_next_working_day(self, start: datetime, *, at: time = WORKDAY_START) -> datetime:
        """``at`` London time on the first working day after ``start``'s London date, in UTC.

        For "before the next school day" (Operation Encompass). Weekends and bank holidays
        are skipped; school term dates and INSET days are not known here, so a notification
        due in a school holiday is due on the next working day all the same (early rather
        than late).
        """
        _require_aware(start, name="start")
        local_day = start.astimezone(LONDON).date()
        return _london_at(self.next_working_day(local_day), at)

    def add_hours(self, *, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` elapsed real hours, in UTC.

        Computed in UTC, so a 24-hour deadline across a clock change is 24 real hours and
        reads 23:00 or 01:00 later on a London wall clock. Weekends and holidays count.
        """
        _require_aware(start, name="start")
        return start.astimezone(UTC) + timedelta(hours=hours)

    def add_calendar_days(self, *, start: datetime, days: int) -> datetime:
        """The same London wall-clock time ``days`` calendar days after ``start``, in UTC.

        14 days from 2026-03-20 10:00 GMT is 2026-04-03 10:00 BST (09:00 UTC). Where the
        clocks change at that time of night the wall time is resolved with the offset in
        force before the change: a time skipped in March moves one hour later, a time that
        occurs twice in October is its first (BST) occurrence.
        """
        _require_aware(start, name="start")
        if days == 0:
            return start.astimezone(UTC)
        local = start.astimezone(LONDON)
        # fold=0 explicitly: time() keeps the source's fold, and fold=1 would resolve a
        # skipped March wall time one hour *earlier*.
        wall = local.time().replace(fold=0)
        target = datetime.combine(local.date() + timedelta(days=days), wall, tzinfo=LONDON)
        return target.astimezone(UTC)

    def working_days_between(self, *, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b``; negative if ``b < a``.

        It inverts :meth:`add_working_days`: for day 0 ``d0`` and its deadline ``due``,
        ``working_days_between(a=d0, b=due_london_date) == days``.
        """
        if b < a:
            return -self.working_days_between(a=b, b=a)
        full_weeks, remainder = divmod((b - a).days, 7)
        tail_start = a + timedelta(days=full_weeks * 7)
        weekdays = full_weeks * 5 + sum(
            1
            for offset in range(1, remainder + 1)
            if (tail_start + timedelta(days=offset)).weekday() < _SATURDAY
        )
        closed = sum(1 for h in self.holidays if a < h <= b and h.weekday() < _SATURDAY)
        return weekdays - closed

    def warn_at(self, *, start: datetime, due: datetime, fraction: float) -> datetime:
        """The instant ``fraction`` of the real time from ``start`` to ``due`` has elapsed.

        Elapsed real time, not working time: 0.75 of a span that crosses a weekend may fall
        on the weekend. ``fraction`` is within [0, 1]; ``due`` must not precede ``start``.
        """
        _require_aware(start, name="start")
        _require_aware(due, name="due")
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
        if due < start:
            raise ValueError(f"due {due.isoformat()} is before start {start.isoformat()}")
        return start.astimezone(UTC) + (due - start) * fraction


def england_and_wales_holidays(years: Iterable[int]) -> dict[date, str]:
    """England and Wales bank holidays on weekdays in ``years``, from the ``holidays`` package.

    ``subdiv="ENG"`` matters: the bare UK calendar omits Easter Monday and the August bank
    holiday, which are not UK-wide. The package also lists Christmas, Boxing Day and New
    Year's Day when they fall on a weekend, beside their "(observed)" substitutes; those
    weekend dates are dropped so the result matches GOV.UK's list, which names only the
    days offices close.
    """
    listed = holidays_lib.country_holidays("GB", subdiv="ENG", years=sorted(set(years)))
    return {d: name for d, name in sorted(listed.items()) if d.weekday() < _SATURDAY}


def parse_govuk_bank_holidays(
    data: Mapping[str, Any] | str | bytes, *, division: str = "england-and-wales"
) -> dict[date, str]:
    """Bank holidays for ``division`` from GOV.UK's https://www.gov.uk/bank-holidays.json.

    ``data`` is the document, as text or already decoded. Divisions are
    "england-and-wales", "scotland" and "northern-ireland". Raises ``ValueError`` naming
    the fault for a document that is not JSON, is not in GOV.UK's shape, lacks
    ``division``, or lists a date twice.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValueError(f"bank holidays document is not valid JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ValueError(
            "bank holidays document must be a JSON object keyed by division, "
            f"got {type(data).__name__}"
        )
    if division not in data:
        known = ", ".join(sorted(map(str, data))) or "none"
        raise ValueError(f"unknown division {division!r}; the document has: {known}")
    section = data[division]
    if not isinstance(section, Mapping) or not isinstance(section.get("events"), list):
        raise ValueError(f"division {division!r} must be an object with an 'events' list")
    if section.get("division", division) != division:
        raise ValueError(
            f"division {division!r} is labelled {section['division']!r} inside the document"
        )

    result: dict[date, str] = {}
    for index, event in enumerate(section["events"]):
        where = f"{division} event {index}"
        if not isinstance(event, Mapping):
            raise ValueError(f"{where} must be an object, got {type(event).__name__}")
        title, raw_date = event.get("title"), event.get("date")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"{where} needs a non-empty 'title'")
        if not isinstance(raw_date, str):
            raise ValueError(f"{where} ({title}) needs a 'date' string")
        day = _iso_date(raw_date)
        if day is None:
            raise ValueError(
                f"{where} ({title}) has date {raw_date!r}, not an ISO date (YYYY-MM-DD)"
            )
        if day in result:
            raise ValueError(f"{where} ({title}) repeats {day.isoformat()} ({result[day]})")
        result[day] = title
    return dict(sorted(result.items()))

"""Statistical disclosure control for every report that publishes counts (docs/reports.md).

Two rules, applied the same way on pages, the API and CSV downloads:

- **Fixed periods.** A report covers one whole calendar month (``2026-03``) or quarter
  (``2026-Q1``) in Europe/London time, and only one that has ended. Free date ranges are
  refused: overlapping or one-day windows let anyone difference two published figures down
  to a single incident.
- **Rounding to base 5.** Every published figure, totals included, is its true value rounded
  to the nearest multiple of ``REPORT_ROUNDING_BASE`` (0, 1, 2 -> 0; 3 to 7 -> 5; ...), as
  ONS and GSS tables from administrative sources do. Differencing two rounded figures leaves
  an interval, never an exact count; a figure that rounds to 0 is left out, so a row's
  presence never says "at least one".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions

LONDON = ZoneInfo("Europe/London")
PERIOD_PARAM = "period"
FREE_RANGE_PARAMS = ("from", "to")
FREE_RANGE_REFUSED = (
    "Reports cover whole calendar months or quarters only: send period=YYYY-MM (a month) "
    "or period=YYYY-Qn (a quarter) instead of a date range."
)
PERIOD_INVALID = "Enter a month as YYYY-MM (like 2026-03) or a quarter as YYYY-Qn (like 2026-Q1)."
_PERIOD_RE = re.compile(r"(?P<year>[0-9]{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))")
PERIOD_PARAMETER_HELP = (
    "A whole month (YYYY-MM) or quarter (YYYY-Qn) that has ended, Europe/London; the last "
    "whole month when left out. from and to are refused (400): see docs/reports.md."
)
# No partnership data predates this; it also bounds the periods a page offers.
FIRST_YEAR = 2000
MONTHS_OFFERED = 24
QUARTERS_OFFERED = 8


@dataclass(frozen=True)
class ReportPeriod:
    """A whole month or quarter; ``first`` and ``last`` are London dates, inclusive."""

    code: str
    first: date
    last: date

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.code

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.first:%B} to {self.last:%B %Y} (quarter {self.code[-1]})"
        return f"{self.first:%B %Y}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=LONDON)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def month(year: int, month_: int) -> ReportPeriod:
    return ReportPeriod(f"{year:04d}-{month_:02d}", date(year, month_, 1), _month_end(year, month_))


def quarter(year: int, q: int) -> ReportPeriod:
    first_month = 3 * (q - 1) + 1
    return ReportPeriod(
        f"{year:04d}-Q{q}", date(year, first_month, 1), _month_end(year, first_month + 2)
    )


def period_parse(code: str, *, today: date) -> ReportPeriod:
    """The period ``code`` names; ValueError, with a message for people, if it is malformed,
    before FIRST_YEAR, or not yet ended (a period still running grows day by day, which
    would publish each day's count as the difference of two figures)."""
    match = _PERIOD_RE.fullmatch(code.strip())
    if match is None:
        raise ValueError(PERIOD_INVALID)
    year = int(match["year"])
    period = (
        month(year, int(match["month"])) if match["month"] else quarter(year, int(match["quarter"]))
    )
    if year < FIRST_YEAR:
        raise ValueError(f"Choose a period from {FIRST_YEAR} onwards.")
    if period.last >= today:
        raise ValueError(
            f"{period.label} has not ended yet: reports cover only whole periods that have ended."
        )
    return period


def latest_month(today: date) -> ReportPeriod:
    """The last whole month before ``today``: a report's default period."""
    last_day = today.replace(day=1) - timedelta(days=1)
    return month(last_day.year, last_day.month)


def periods_offered(today: date) -> list[ReportPeriod]:
    """The ended months and quarters a page offers, newest first within each."""
    months: list[ReportPeriod] = []
    cursor = latest_month(today)
    while len(months) < MONTHS_OFFERED and cursor.first.year >= FIRST_YEAR:
        months.append(cursor)
        cursor = latest_month(cursor.first)
    quarters: list[ReportPeriod] = []
    q_year, q = today.year, (today.month - 1) // 3  # the quarter before this one
    while len(quarters) < QUARTERS_OFFERED:
        if q == 0:
            q_year, q = q_year - 1, 4
        if q_year < FIRST_YEAR:
            break
        quarters.append(quarter(q_year, q))
        q -= 1
    return months + quarters


def report_period(query: Mapping[str, Any], *, today: date | None = None) -> ReportPeriod:
    """The period an API report asks for (``?period=``; the last whole month without it),
    or a 400 naming the parameter: a free ``from`` or ``to`` is refused by name."""
    today = today or timezone.localdate()
    refused = {name: [FREE_RANGE_REFUSED] for name in FREE_RANGE_PARAMS if name in query}
    if refused:
        raise exceptions.ValidationError(refused)
    code = query.get(PERIOD_PARAM)
    if code is None:
        return latest_month(today)
    try:
        return period_parse(str(code), today=today)
    except ValueError as exc:
        raise exceptions.ValidationError({PERIOD_PARAM: [str(exc)]}) from exc


def rounding_base() -> int:
    base: int = settings.REPORT_ROUNDING_BASE
    return base


def rounded(count: int, base: int | None = None) -> int:
    """``count`` to the nearest multiple of ``base``, halves up (for an even base)."""
    base = base or rounding_base()
    return base * ((2 * count + base) // (2 * base))


def rounded_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    counts: Sequence[str],
    rates: Mapping[str, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of a report with each of ``counts`` rounded; each rate named in ``rates``
    (rate -> (numerator, denominator)) recomputed from the rounded figures, so it gives
    away nothing they do not; rows whose counts all round to 0 are left out."""
    out = []
    for row in rows:
        shown = {**row, **{name: rounded(int(row[name])) for name in counts}}
        if not any(shown[name] for name in counts):
            continue
        for rate, (top, bottom) in (rates or {}).items():
            shown[rate] = round(shown[top] / shown[bottom], 4) if shown[bottom] else 0.0
        out.append(shown)
    return out


def period_bounds(query: Mapping[str, Any]) -> dict[str, date]:
    """``report_period`` as the ``from`` and ``to`` days (inclusive) a report's query gave
    before periods were fixed, so a report can adopt fixed periods in one line."""
    period = report_period(query)
    return {"from": period.first, "to": period.last}


SLA_BREACH_COUNTS = ("decided", "breached", "met_late", "unresolved")


def breach_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """The SLA breaches report's rows (dataclasses with the SLA_BREACH_COUNTS), each count
    rounded and ``breach_rate`` recomputed from the rounded figures."""
    return rounded_rows(
        (asdict(r) for r in rows),
        counts=SLA_BREACH_COUNTS,
        rates={"breach_rate": ("breached", "decided")},
    )

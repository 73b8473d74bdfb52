"""Which complaints count towards the ASB case review threshold, and whether it is met.

Statutory (ASB, Crime and Policing Act 2014 s104): a qualifying complaint is made within
one month of the behaviour complained of; the threshold is at most three qualifying
complaints in six months (s104(4)). Local (settings, sourced in docs/workflows.md): the
numbers themselves, a lower number for a category (one hate incident), and what makes two
complaints one incident. The same incident reported to several bodies counts once:

- a complaint linked to another by the recorder (``same_incident_as``) is that incident;
- otherwise two complaints about a common victim or place (or, within one application,
  about the applicant's, when no parties are known) are one incident when both give a time
  of the behaviour within ``CASE_REVIEW_SAME_INCIDENT_HOURS`` of each other, or when
  either gives only a date and the dates are the same (London).

The earliest complaint about an incident counts; the others say which one they repeat.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Complaint:
    key: str  # unique among the complaints assessed: a reference, or a made-up one
    body: str
    complained_on: date
    behaviour_on: date
    behaviour_at: datetime | None = None
    category: str = ""
    # Victim name keys and place keys; empty: "the applicant's" (one application).
    parties: frozenset[str] = field(default_factory=frozenset)
    same_incident_as: str = ""


@dataclass(frozen=True)
class Counted:
    complaint: Complaint
    counts: bool
    why: str


@dataclass(frozen=True)
class Rules:
    threshold: int
    category_thresholds: dict[str, int]
    window_days: int
    within_months: int
    same_incident_hours: int

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            threshold=settings.CASE_REVIEW_THRESHOLD,
            category_thresholds=dict(settings.CASE_REVIEW_CATEGORY_THRESHOLDS),
            window_days=settings.CASE_REVIEW_WINDOW_DAYS,
            within_months=settings.CASE_REVIEW_COMPLAINT_WITHIN_MONTHS,
            same_incident_hours=settings.CASE_REVIEW_SAME_INCIDENT_HOURS,
        )


@dataclass(frozen=True)
class Assessment:
    complaints: list[Counted]
    met: bool
    summary: str

    @property
    def counted(self) -> int:
        return sum(c.counts for c in self.complaints)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def qualifying_by(behaviour_on: date, months: int) -> date:
    """The last day a complaint about behaviour on ``behaviour_on`` qualifies: the period
    of ``months`` month(s) *beginning with* that day ends the day before the same date."""
    return add_months(behaviour_on, months) - timedelta(days=1)


def _same_incident(a: Complaint, b: Complaint, hours: int) -> bool:
    if a.parties and b.parties and not (a.parties & b.parties):
        return False
    if a.behaviour_at is not None and b.behaviour_at is not None:
        return abs(a.behaviour_at - b.behaviour_at) <= timedelta(hours=hours)
    return a.behaviour_on == b.behaviour_on


def assess(complaints: list[Complaint], *, at: datetime, rules: Rules | None = None) -> Assessment:
    """Each complaint with whether it counts and why, in order of the behaviour, and
    whether the threshold is met at ``at`` (the application's receipt, or intake)."""
    rules = rules or Rules.from_settings()
    today = at.astimezone(LONDON).date()
    since = today - timedelta(days=rules.window_days)
    ordered = sorted(
        complaints, key=lambda c: (c.behaviour_on, c.behaviour_at or at, c.complained_on, c.key)
    )
    counted: list[Complaint] = []
    result: list[Counted] = []
    for c in ordered:
        last_day = qualifying_by(c.behaviour_on, rules.within_months)
        why = ""
        if c.complained_on > last_day:
            why = (
                f"not a qualifying complaint: made on {c.complained_on:%d/%m/%Y}, more than "
                f"{_months(rules.within_months)} after the behaviour on {c.behaviour_on:%d/%m/%Y}"
            )
        elif c.behaviour_on < since or c.behaviour_on > today:
            why = f"the behaviour is outside the {rules.window_days} days before {today:%d/%m/%Y}"
        elif link := next((k for k in counted if k.key == c.same_incident_as), None):
            why = f"the same incident as {link.key} (linked), counted once"
        elif same := next(
            (k for k in counted if _same_incident(k, c, rules.same_incident_hours)), None
        ):
            why = f"the same incident as {same.key}, counted once"
        if why:
            result.append(Counted(c, False, why))
            continue
        counted.append(c)
        result.append(Counted(c, True, "counts: a qualifying complaint about a new incident"))
    return Assessment(result, *_met(counted, rules))


def _months(n: int) -> str:
    return "one month" if n == 1 else f"{n} months"


def _met(counted: list[Complaint], rules: Rules) -> tuple[bool, str]:
    by_category = Counter(c.category for c in counted)
    for category, needed in sorted(rules.category_thresholds.items()):
        if by_category[category] >= needed:
            return True, (
                f"{by_category[category]} qualifying {category.replace('_', ' ')} complaint(s) "
                f"(local threshold {needed})"
            )
    met = len(counted) >= rules.threshold
    return met, (
        f"{len(counted)} qualifying complaint(s) about separate incidents in "
        f"{rules.window_days} days (local threshold {rules.threshold})"
    )

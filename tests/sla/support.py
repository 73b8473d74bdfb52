"""Helpers for the SLA tests: London times, frozen clocks, transitions and lookups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import time_machine

from cases.models import Case
from notifications.models import OutboxEvent
from tests.factories import CaseFactory
from workflows.actions import case_transition
from workflows.calendar import LONDON
from workflows.models import Deadline


def london(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LONDON)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@contextmanager
def frozen(when: datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        yield


def go(case: Case, name: str, by: Any, **data: Any) -> Case:
    return case_transition(
        case_id=case.pk, name=name, by=by, reason=f"{name} for the test", data=data
    )


def deadline(case: Case, code: str) -> Deadline:
    """The one deadline of policy ``code`` on ``case`` (the latest, if it recurred)."""
    return Deadline.objects.filter(case_id=case.pk, policy__code=code).latest("pk")


def codes(case: Case, *statuses: str) -> list[str]:
    qs = Deadline.objects.filter(case_id=case.pk)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return sorted(qs.values_list("policy__code", flat=True))


def events(type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(type=type).order_by("occurred_at", "id"))


def asb_case(by: Any, *, vulnerable: bool = False, **overrides: Any) -> Case:
    case: Case = CaseFactory.create(by=by, kind="asb", vulnerable=vulnerable, **overrides)
    return case


def vawg_case(by: Any, *, yes: int = 15, **overrides: Any) -> Case:
    case: Case = CaseFactory.create(by=by, kind="vawg", dash_yes=yes, **overrides)
    return case


def fgm_case(by: Any, *, age: int = 17, found: date | None = None) -> Case:
    """Known FGM in a girl of ``age``, discovered by ``by`` on ``found`` (default today).
    17: under 18, so the FGM duty applies, and 16+, so the IDVA service leads (under 16
    children's social care would: Domestic Abuse Act 2021 s1)."""
    case: Case = CaseFactory.create(by=by, kind="vawg", fgm_age=age, fgm_found=found)
    return case

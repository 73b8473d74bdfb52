"""The make-run demo deadline breaches a minute after seeding and raises a breach event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.sla.support import asb_case, events, frozen, london
from workflows.actions import deadlines_scan
from workflows.models import DeadlineStatus, SlaPolicy
from workflows.sla import sla_demo_deadline_soon

pytestmark = pytest.mark.django_db


def test_the_demo_deadline_breaches_one_minute_after_seeding(people: Any) -> None:
    seeded = london(2026, 6, 8, 10)
    with frozen(seeded):
        case = asb_case(people.officer)
        demo = sla_demo_deadline_soon(case)
    assert demo.due_at == seeded + timedelta(minutes=1)
    assert demo.warn_at == seeded + timedelta(seconds=30)
    assert deadlines_scan(now=seeded + timedelta(seconds=59)).breached == 0
    assert deadlines_scan(now=seeded + timedelta(seconds=75)).breached == 1
    [event] = events("deadline.breached")
    assert event.data["policy"] == "demo_one_minute_asb"
    assert event.occurred_at == demo.due_at


def test_seeding_again_replaces_the_demo_deadline_and_real_cases_never_get_it(
    people: Any,
) -> None:
    case = asb_case(people.officer)
    first = sla_demo_deadline_soon(case)
    second = sla_demo_deadline_soon(case)
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == (DeadlineStatus.CANCELLED, "demo_replaced")
    assert second.status == DeadlineStatus.OPEN
    assert not SlaPolicy.objects.get(code="demo_one_minute_asb").is_active
    other = asb_case(people.officer, location_text="2 Other St")
    assert not other.deadlines.filter(policy__code__startswith="demo").exists()

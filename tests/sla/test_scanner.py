"""The scanner: warnings, breaches at the due time, the escalation ladder, bad rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from notifications.services import FORBIDDEN_DATA_KEYS
from notifications.services import emit as real_emit
from tests.sla.support import asb_case, deadline, events, frozen, go, london, vawg_case
from workflows.actions import deadlines_scan
from workflows.models import DeadlineStatus, EscalationLevel
from workflows.tasks import scan_deadlines

pytestmark = pytest.mark.django_db

# An ASB report raised Monday 8 June 2026 10:00 BST: triage due Wednesday 10 June 17:00 BST.
RAISED = london(2026, 6, 8, 10)
DUE = london(2026, 6, 10, 17)


@pytest.fixture
def asb(people: Any) -> Any:
    with frozen(RAISED):
        return asb_case(people.officer)


def test_nothing_happens_before_the_warning_point(asb: Any) -> None:
    d = deadline(asb, "asb_triage")
    result = deadlines_scan(now=d.warn_at - timedelta(seconds=1))
    assert result.as_dict() == {
        "resumed": 0,
        "warned": 0,
        "breached": 0,
        "escalated": 0,
        "failed": 0,
        "busy": 0,
    }
    assert events("deadline.approaching") == []


def test_the_warning_is_raised_once(asb: Any) -> None:
    d = deadline(asb, "asb_triage")
    scan_at = d.warn_at + timedelta(minutes=3)
    assert deadlines_scan(now=scan_at).warned == 1
    assert deadlines_scan(now=scan_at + timedelta(minutes=1)).warned == 0
    [event] = events("deadline.approaching")
    assert event.case_id == asb.pk
    assert event.occurred_at == scan_at
    assert event.data["level"] == 0
    d.refresh_from_db()
    assert d.warned_at == scan_at
    assert d.status == DeadlineStatus.OPEN


def test_breach_is_recorded_at_the_deadline_not_the_scan_time(asb: Any) -> None:
    scan_at = london(2026, 6, 11, 9, 30)  # the scanner was down overnight
    assert deadlines_scan(now=scan_at).breached == 1
    d = deadline(asb, "asb_triage")
    assert d.status == DeadlineStatus.BREACHED
    assert d.breached_at == DUE
    assert d.escalation_level == EscalationLevel.RESPONSIBLE_AGENCY
    [event] = events("deadline.breached")
    assert event.occurred_at == DUE
    assert event.agencies == ["council-asb"]
    assert event.data == {
        "deadline": d.pk,
        "policy": "asb_triage",
        "due_at": "2026-06-10T16:00:00+00:00",  # UTC, as stored
        "level": 1,
        "audience": "responsible",
        "responsible_agency": "council-asb",
        "responsible_user": None,
    }
    assert not FORBIDDEN_DATA_KEYS & set(event.data)
    # A past-due deadline is breached, never first warned.
    assert events("deadline.approaching") == []


def test_a_deadline_is_breached_exactly_at_its_due_time_and_not_a_second_before(asb: Any) -> None:
    assert deadlines_scan(now=DUE - timedelta(seconds=1)).breached == 0
    assert deadlines_scan(now=DUE).breached == 1
    assert deadlines_scan(now=DUE + timedelta(hours=1)).breached == 0
    assert len(events("deadline.breached")) == 1


def test_the_full_escalation_ladder(asb: Any, settings: Any) -> None:
    settings.SLA_PARTNERSHIP_AGENCY = "kestrel-police"  # where the partnership manager sits
    deadlines_scan(now=DUE + timedelta(minutes=1))
    # The default ladder: managers 24 hours after the breach, the partnership 48 hours after.
    assert deadlines_scan(now=DUE + timedelta(hours=23, minutes=59)).escalated == 0
    assert deadlines_scan(now=DUE + timedelta(hours=24)).escalated == 1
    d = deadline(asb, "asb_triage")
    assert d.escalation_level == EscalationLevel.AGENCY_MANAGERS
    assert d.escalate_next_at == DUE + timedelta(hours=48)
    assert deadlines_scan(now=DUE + timedelta(hours=47)).escalated == 0
    assert deadlines_scan(now=DUE + timedelta(hours=49)).escalated == 1
    d.refresh_from_db()
    assert d.escalation_level == EscalationLevel.PARTNERSHIP_MANAGER
    assert d.escalate_next_at is None
    assert deadlines_scan(now=DUE + timedelta(days=30)).escalated == 0
    managers, partnership = events("deadline.escalated")
    assert managers.occurred_at == DUE + timedelta(hours=24)
    assert (managers.data["level"], managers.data["audience"]) == (2, "agency_managers")
    assert managers.agencies == ["council-asb"]
    assert partnership.occurred_at == DUE + timedelta(hours=48)
    assert (partnership.data["level"], partnership.data["audience"]) == (3, "partnership_manager")
    assert partnership.agencies == ["council-asb", "kestrel-police"]


def test_a_scanner_that_was_down_catches_up_each_rung_at_its_own_time(asb: Any) -> None:
    result = deadlines_scan(now=DUE + timedelta(days=5))
    assert (result.breached, result.escalated) == (1, 2)
    assert [e.occurred_at for e in events("deadline.breached") + events("deadline.escalated")] == [
        DUE,
        DUE + timedelta(hours=24),
        DUE + timedelta(hours=48),
    ]


def test_meeting_a_breached_deadline_stops_the_ladder_and_keeps_the_breach(
    asb: Any, people: Any
) -> None:
    deadlines_scan(now=DUE + timedelta(hours=1))
    with frozen(DUE + timedelta(hours=2)):
        go(asb, "triage", people.asb_coordinator)
    d = deadline(asb, "asb_triage")
    assert (d.status, d.breached_at, d.met_at) == ("met", DUE, DUE + timedelta(hours=2))
    assert d.escalate_next_at is None
    assert deadlines_scan(now=DUE + timedelta(days=3)).escalated == 0


def test_closing_a_breached_case_stops_escalation_but_keeps_the_breach(
    asb: Any, people: Any
) -> None:
    with frozen(RAISED):
        go(asb, "triage", people.asb_coordinator, risk="high")
    review = deadline(asb, "asb_risk_review_high")
    deadlines_scan(now=review.due_at + timedelta(minutes=1))
    go(asb, "no_further_action", people.asb_coordinator)
    review.refresh_from_db()
    assert (review.status, review.breached_at) == ("cancelled", review.due_at)
    assert deadlines_scan(now=review.due_at + timedelta(days=5)).escalated == 0


def test_a_personal_duty_breach_names_the_person_who_owes_it(people: Any) -> None:
    from tests.sla.support import fgm_case

    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    report = deadline(case, "vawg_fgm_police_report")
    deadlines_scan(now=report.due_at)
    [event] = [e for e in events("deadline.breached") if e.data["policy"] == report.policy.code]
    assert event.data["responsible_user"] == people.nurse.pk
    assert event.agencies == ["public-health"]


def test_one_failing_row_does_not_stall_the_others(people: Any) -> None:
    with frozen(RAISED):
        cases = [asb_case(people.officer, location_text=f"{n} Mill Lane") for n in range(3)]
    bad = deadline(cases[1], "asb_triage")

    def emit_failing_for_bad(**kwargs: Any) -> Any:
        if kwargs["data"]["deadline"] == bad.pk:
            raise ValueError("the relay table is full")
        return real_emit(**kwargs)

    with mock.patch("workflows.actions.unit.emit", autospec=True, side_effect=emit_failing_for_bad):
        result = deadlines_scan(now=DUE + timedelta(minutes=5), batch_size=2)
    assert (result.breached, result.failed) == (2, 1)
    bad.refresh_from_db()
    assert bad.status == DeadlineStatus.OPEN
    assert bad.scan_failures == 1
    assert "ValueError: the relay table is full" in bad.scan_error
    assert sorted(e.data["deadline"] for e in events("deadline.breached")) == sorted(
        deadline(c, "asb_triage").pk for c in (cases[0], cases[2])
    )
    # The next scan, with the fault gone, breaches it at its own due time.
    assert deadlines_scan(now=DUE + timedelta(minutes=6)).breached == 1
    bad.refresh_from_db()
    assert (bad.status, bad.breached_at, bad.scan_error) == ("breached", DUE, "")


def test_batches_are_drained_within_one_scan(people: Any) -> None:
    with frozen(RAISED):
        for n in range(5):
            asb_case(people.officer, location_text=f"{n} Brook Road")
    assert deadlines_scan(now=DUE, batch_size=2).breached == 5


def test_the_celery_task_runs_the_scan(asb: Any) -> None:
    with frozen(DUE + timedelta(minutes=1)):
        counts = scan_deadlines.apply().get()
    assert counts["breached"] == 1
    assert len(events("deadline.breached")) == 1


def test_the_scan_is_on_the_one_beat_schedule_every_15_seconds() -> None:
    from config.celery import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["scan-deadlines"]
    assert entry["task"] == "workflows.scan_deadlines"
    assert entry["schedule"] == 15.0


def test_hours_clocks_breach_on_real_elapsed_time(people: Any) -> None:
    with frozen(london(2026, 3, 28, 12)):
        case = vawg_case(people.officer, yes=15)
    due = deadline(case, "vawg_high_risk_triage").due_at
    assert deadlines_scan(now=london(2026, 3, 29, 12, 59)).breached == 0
    assert deadlines_scan(now=london(2026, 3, 29, 13)).breached == 1
    assert events("deadline.breached")[0].occurred_at == due

"""A personal duty outlives its case: closing a case with the FGM report still owed leaves
the report's deadlines running until the person who owes it records the report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cases.models import Case
from notifications.models import OutboxEvent
from tests.sla.support import deadline, fgm_case, frozen, go, london
from workflows.actions import case_milestone_record, deadlines_scan
from workflows.errors import TransitionForbidden, TransitionNotAvailable
from workflows.models import (
    DeadlineStatus,
    DurationUnit,
    SlaPolicy,
    SlaTrigger,
    TransitionLog,
)
from workflows.policy import milestones_for_user

pytestmark = pytest.mark.django_db

REPORT = "vawg_fgm_police_report"
LIMIT = "vawg_fgm_police_report_limit"


def closed_fgm_case(people: Any) -> Case:
    """Known FGM in a girl, raised by the school nurse on Thursday 2 April 2026 at 15:00;
    the IDVA service offers support, it is declined, and the case closes at 16:00."""
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    with frozen(london(2026, 4, 2, 16)):
        for name in ("assess_risk", "offer_support", "record_support_declined", "close"):
            case = go(case, name, people.idva)
    assert case.state == "closed"
    return case


def test_closing_the_case_leaves_the_personal_duty_running_and_cancels_the_rest(
    people: Any,
) -> None:
    # A lead-agency clock that is still running when the case closes.
    SlaPolicy.objects.create(
        code="vawg_declined_follow_up",
        name="Declined support followed up within 5 working days",
        kind="vawg",
        trigger=SlaTrigger.STATE,
        trigger_state="support_declined",
        duration_unit=DurationUnit.WORKING_DAYS,
        duration_value=5,
        met_by=["activate_safety_plan"],
        source="Test policy",
    )
    case = closed_fgm_case(people)
    for code in (REPORT, LIMIT):
        owed = deadline(case, code)
        assert (owed.status, owed.cancel_reason, owed.responsible_user) == (
            DeadlineStatus.OPEN,
            "",
            people.nurse,
        )
    follow_up = deadline(case, "vawg_declined_follow_up")
    assert (follow_up.status, follow_up.cancel_reason) == (DeadlineStatus.CANCELLED, "case_closed")


def test_an_unreported_duty_on_a_closed_case_still_breaches_at_its_deadline(
    people: Any,
) -> None:
    case = closed_fgm_case(people)
    report = deadline(case, REPORT)
    deadlines_scan(now=report.due_at + timedelta(minutes=1))
    report.refresh_from_db()
    assert (report.status, report.breached_at) == (DeadlineStatus.BREACHED, report.due_at)
    breach = OutboxEvent.objects.get(type="deadline.breached")
    assert breach.data["responsible_user"] == people.nurse.pk


def test_the_person_who_owes_it_records_the_report_after_the_case_closed(people: Any) -> None:
    case = closed_fgm_case(people)
    assert [m.name for m in milestones_for_user(case=case, user=people.nurse)] == [
        "report_fgm_to_police"
    ]
    with frozen(london(2026, 4, 7, 10)):
        log = case_milestone_record(
            case_id=case.pk,
            milestone="report_fgm_to_police",
            by=people.nurse,
            reason="Reported on 101, ref 4471",
        )
    assert (log.transition, log.actor, log.source, log.target) == (
        "report_fgm_to_police",
        people.nurse,
        "closed",
        "closed",
    )
    for code in (REPORT, LIMIT):
        met = deadline(case, code)
        assert (met.status, met.met_by, met.met_at) == (
            DeadlineStatus.MET,
            "report_fgm_to_police",
            london(2026, 4, 7, 10),
        )
    event = OutboxEvent.objects.get(type="case.milestone_recorded")
    assert event.data == {"milestone": "report_fgm_to_police", "log_seq": log.seq}
    case.refresh_from_db()
    assert case.state == "closed"
    # Met: the closed case takes nothing more, the duty's record included.
    assert milestones_for_user(case=case, user=people.nurse) == []
    with pytest.raises(TransitionNotAvailable, match="closed"):
        case_milestone_record(
            case_id=case.pk, milestone="report_fgm_to_police", by=people.nurse, reason="Again"
        )


def test_nobody_else_may_record_it_after_the_case_closed_either(people: Any) -> None:
    case = closed_fgm_case(people)
    for other in (people.idva, people.officer, people.manager):
        assert milestones_for_user(case=case, user=other) == []
        with pytest.raises(TransitionForbidden, match="personal duty"):
            case_milestone_record(
                case_id=case.pk,
                milestone="report_fgm_to_police",
                by=other,
                reason="On her behalf",
            )
    assert deadline(case, REPORT).status == DeadlineStatus.OPEN
    assert not TransitionLog.objects.filter(transition="report_fgm_to_police").exists()

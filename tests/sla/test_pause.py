"""Pausing an SLA clock: reason codes, the cap, automatic resume, and the audit chain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.sla.support import asb_case, deadline, events, frozen, go, london, vawg_case
from workflows.actions import deadline_pause, deadline_resume, deadlines_scan
from workflows.chain import link_hash, transition_fields
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import DeadlineStatus, TransitionLog

pytestmark = pytest.mark.django_db

RAISED = london(2026, 6, 8, 10)  # Monday
DUE = london(2026, 6, 10, 17)  # ASB triage: Wednesday 17:00; pausable for up to 72 hours


@pytest.fixture
def triage(people: Any) -> Any:
    with frozen(RAISED):
        case = asb_case(people.officer)
    return deadline(case, "asb_triage")


def _pause(d: Any, by: Any, at: Any, reason: str = "awaiting_victim_contact") -> Any:
    with frozen(at):
        return deadline_pause(deadline_id=d.pk, reason=reason, by=by, note="Victim abroad")


def _resume(d: Any, by: Any, at: Any) -> Any:
    with frozen(at):
        return deadline_resume(deadline_id=d.pk, by=by, note="Victim back in touch")


def _chain_is_intact(case_id: int) -> bool:
    prev = ""
    for row in TransitionLog.objects.filter(case_id=case_id).order_by("seq"):
        if row.prev_hash != prev or row.hash != link_hash(prev, transition_fields(row)):
            return False
        prev = row.hash
    return True


def test_resume_moves_due_and_warning_on_by_the_paused_time(triage: Any, people: Any) -> None:
    warn_before = triage.warn_at
    _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9))
    _resume(triage, people.asb_coordinator, london(2026, 6, 9, 19))
    triage.refresh_from_db()
    assert triage.due_at == DUE + timedelta(hours=10)
    assert triage.warn_at == warn_before + timedelta(hours=10)
    assert triage.pause_total == timedelta(hours=10)
    assert (triage.paused_at, triage.pause_reason, triage.pause_expires_at) == (None, "", None)


def test_pause_and_resume_are_audited_in_the_case_chain_with_the_actor(
    triage: Any, people: Any
) -> None:
    _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9))
    _resume(triage, people.manager, london(2026, 6, 9, 19))
    pause, resume = TransitionLog.objects.filter(
        case_id=triage.case_id, transition__in=["pause_sla", "resume_sla"]
    ).order_by("seq")
    assert pause.actor == people.asb_coordinator
    assert pause.actor_agency is not None
    assert pause.actor_agency.code == "council-asb"
    assert pause.reason == "Victim abroad"
    assert pause.at == london(2026, 6, 9, 9)
    assert pause.data["deadline"] == triage.pk
    assert pause.data["policy"] == "asb_triage"
    assert pause.data["pause_reason"] == "awaiting_victim_contact"
    assert resume.actor == people.manager
    assert resume.reason == "Victim back in touch"
    assert resume.data["paused_seconds"] == resume.data["credited_seconds"] == 10 * 3600
    assert _chain_is_intact(triage.case_id)


def test_a_paused_clock_is_not_breached_while_paused(triage: Any, people: Any) -> None:
    _pause(triage, people.asb_coordinator, london(2026, 6, 10, 9))
    assert deadlines_scan(now=DUE + timedelta(hours=1)).breached == 0
    triage.refresh_from_db()
    assert triage.status == DeadlineStatus.OPEN
    assert events("deadline.breached") == []


def test_only_the_maximum_pause_is_credited(triage: Any, people: Any) -> None:
    _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9))
    # Resumed by hand 100 hours later, before any scan ran: 72 hours are credited.
    _resume(triage, people.asb_coordinator, london(2026, 6, 13, 13))
    triage.refresh_from_db()
    assert triage.pause_total == timedelta(hours=72)
    assert triage.due_at == DUE + timedelta(hours=72)
    with pytest.raises(TransitionNotAvailable, match="maximum pause of 72 hours"):
        _pause(triage, people.asb_coordinator, london(2026, 6, 13, 14))


def test_a_pause_that_reaches_its_cap_resumes_itself_and_can_breach_at_once(
    triage: Any, people: Any
) -> None:
    paused = london(2026, 6, 10, 16)  # one hour before due
    _pause(triage, people.asb_coordinator, paused)
    assert deadlines_scan(now=paused + timedelta(hours=71)).resumed == 0
    result = deadlines_scan(now=paused + timedelta(hours=73, minutes=30))
    assert (result.resumed, result.breached) == (1, 1)
    triage.refresh_from_db()
    assert triage.due_at == DUE + timedelta(hours=72)
    assert triage.breached_at == triage.due_at
    resume = TransitionLog.objects.get(case_id=triage.case_id, transition="resume_sla")
    assert resume.actor is None
    assert "maximum pause of 72 hours" in resume.reason
    assert resume.data["credited_seconds"] == 72 * 3600
    assert _chain_is_intact(triage.case_id)


def test_a_pause_needs_a_known_reason_code(triage: Any, people: Any) -> None:
    with pytest.raises(InvalidTransitionData) as exc:
        _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9), reason="holiday")
    assert set(exc.value.errors) == {"reason"}
    assert not TransitionLog.objects.filter(transition="pause_sla").exists()


def test_another_agency_may_not_pause(triage: Any, people: Any) -> None:
    for outsider in (people.outsider, people.officer, people.auditor):
        with pytest.raises(TransitionForbidden):
            _pause(triage, outsider, london(2026, 6, 9, 9))


def test_a_clock_that_cannot_be_paused_refuses(people: Any) -> None:
    case = vawg_case(people.officer, yes=15)
    go(case, "assess_risk", people.idva)
    marac = deadline(case, "vawg_marac_referral")
    with pytest.raises(TransitionNotAvailable, match="cannot be paused"):
        deadline_pause(deadline_id=marac.pk, reason="awaiting_victim_contact", by=people.idva)


def test_breached_or_twice_paused_deadlines_cannot_be_paused(triage: Any, people: Any) -> None:
    _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9))
    with pytest.raises(TransitionNotAvailable, match="already paused"):
        _pause(triage, people.asb_coordinator, london(2026, 6, 9, 10))
    _resume(triage, people.asb_coordinator, london(2026, 6, 9, 11))
    deadlines_scan(now=DUE + timedelta(days=1))
    with pytest.raises(TransitionNotAvailable, match="is breached"):
        _pause(triage, people.asb_coordinator, DUE + timedelta(days=1))
    with pytest.raises(TransitionNotAvailable, match="not paused"):
        _resume(triage, people.asb_coordinator, DUE + timedelta(days=1))


def test_meeting_a_paused_deadline_ends_the_pause(triage: Any, people: Any) -> None:
    _pause(triage, people.asb_coordinator, london(2026, 6, 9, 9))
    with frozen(london(2026, 6, 9, 12)):
        go(triage.case, "triage", people.asb_coordinator)
    triage.refresh_from_db()
    assert (triage.status, triage.paused_at) == ("met", None)

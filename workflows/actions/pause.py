"""Pausing and resuming an SLA clock, each step a change on the case's hash chain.

A pause needs a reason code; the policy caps the total pause it credits
(``max_pause_hours``, 0 = the clock cannot be paused, as for statutory duties). On resume
the due and warning times move on by the paused time, up to what is left of the cap. A
pause that reaches the cap ends by itself: the scanner resumes it (see scan.py), so a
forgotten pause cannot hide a deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import transaction

from workflows.actions.unit import CaseChange, acting_agency, case_change
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import Deadline, PauseReason
from workflows.policy import may_manage_deadline, pause_refusal

FORBIDDEN = "only the responsible agency's staff may pause or resume this deadline"


@transaction.atomic(durable=True)
def deadline_pause(*, deadline_id: int, reason: str, by: Any, note: str = "") -> Deadline:
    """Stop the clock. Raises InvalidTransitionData (bad reason code), TransitionForbidden,
    or TransitionNotAvailable (not open, already paused, past due, not pausable, cap used)."""
    if reason not in PauseReason.values:
        raise InvalidTransitionData({"reason": f"Choose one of {', '.join(PauseReason.values)}."})
    with _deadline_change(deadline_id, by=by, name="pause_sla", reason=note) as (change, dl):
        change.reason = change.reason or str(PauseReason(reason).label)
        if not may_manage_deadline(user=by, deadline=dl):
            raise TransitionForbidden(FORBIDDEN)
        if refusal := pause_refusal(dl, now=change.now):
            raise TransitionNotAvailable(refusal)
        dl.paused_at = change.now
        dl.pause_reason = reason
        dl.pause_expires_at = change.now + (
            timedelta(hours=dl.policy.max_pause_hours) - dl.pause_total
        )
        dl.updated_at = change.now
        dl.save()
        change.log_data = {
            "deadline": dl.pk,
            "policy": dl.policy.code,
            "pause_reason": reason,
            "pause_expires_at": dl.pause_expires_at,
        }
    return dl


@transaction.atomic(durable=True)
def deadline_resume(*, deadline_id: int, by: Any, note: str = "") -> Deadline:
    """Restart the clock, moving due and warning times on by the credited pause."""
    with _deadline_change(deadline_id, by=by, name="resume_sla", reason=note) as (change, dl):
        change.reason = change.reason or "Clock resumed"
        if not may_manage_deadline(user=by, deadline=dl):
            raise TransitionForbidden(FORBIDDEN)
        if dl.paused_at is None:
            raise TransitionNotAvailable("this deadline is not paused")
        deadline_resume_in(change, deadline=dl)
    return dl


def deadline_resume_in(change: CaseChange, *, deadline: Deadline) -> timedelta:
    """Resume a paused deadline, as ``change`` (whose case the deadline belongs to; the
    deadline row locked too). The scanner calls this, as the system, when a pause reaches
    its cap. Returns the credit."""
    assert deadline.paused_at is not None
    now = change.now
    allowance = timedelta(hours=deadline.policy.max_pause_hours) - deadline.pause_total
    paused_for = now - deadline.paused_at
    credit = max(timedelta(0), min(paused_for, allowance))
    deadline.due_at += credit
    deadline.warn_at += credit
    deadline.pause_total += credit
    deadline.paused_at = None
    deadline.pause_reason = ""
    deadline.pause_expires_at = None
    deadline.updated_at = now
    deadline.save()
    change.log_data = {
        "deadline": deadline.pk,
        "policy": deadline.policy.code,
        "paused_seconds": int(paused_for.total_seconds()),
        "credited_seconds": int(credit.total_seconds()),
        "due_at": deadline.due_at,
    }
    return credit


@contextmanager
def _deadline_change(
    deadline_id: int, *, by: Any, name: str, reason: str
) -> Iterator[tuple[CaseChange, Deadline]]:
    # The case row first, as every case change takes it: its chain gets the log row.
    case_id = Deadline.objects.values_list("case_id", flat=True).get(pk=deadline_id)
    with case_change(
        case_id=case_id, by=by, name=name, reason=reason, require_reason=False
    ) as change:
        deadline = (
            Deadline.objects.select_for_update(of=("self",))
            .select_related("policy")
            .get(pk=deadline_id)
        )
        change.agency = acting_agency(by, prefer=deadline.responsible_agency_id)
        # The clock is the change: no other deadline of the case starts or stops with it.
        change.replan = False
        yield change, deadline

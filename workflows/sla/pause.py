"""Pausing and resuming an SLA clock, each step audited in the case's hash chain.

A pause needs a reason code; the policy caps the total pause it credits
(``max_pause_hours``, 0 = the clock cannot be paused, as for statutory duties). On resume
the due and warning times move on by the paused time, up to what is left of the cap. A
pause that reaches the cap ends by itself: the scanner resumes it (see scanner.py), so a
forgotten pause cannot hide a deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.audit import acting_as
from cases.models import Case
from partners.models import Role
from partners.selectors import user_has_role
from workflows import services
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import Deadline, DeadlineStatus, PauseReason
from workflows.sla.planning import acting_agency

# Every working role at the responsible agency; auditors only read.
MANAGING_ROLES = tuple(role for role in Role.values if role != Role.AUDITOR)


@transaction.atomic(durable=True)
def deadline_pause(*, deadline_id: int, reason: str, by: Any, note: str = "") -> Deadline:
    """Stop the clock. Raises InvalidTransitionData (bad reason code), TransitionForbidden,
    or TransitionNotAvailable (not open, already paused, past due, not pausable, cap used)."""
    now = timezone.now()
    if reason not in PauseReason.values:
        raise InvalidTransitionData({"reason": f"Choose one of {', '.join(PauseReason.values)}."})
    case, deadline = _lock(deadline_id)
    _check_may_manage(deadline, by)
    policy = deadline.policy
    if deadline.status != DeadlineStatus.OPEN:
        raise TransitionNotAvailable(
            f"only an open deadline can be paused; this one is {deadline.status}"
        )
    if deadline.paused_at is not None:
        raise TransitionNotAvailable("this deadline is already paused")
    if deadline.due_at <= now:
        raise TransitionNotAvailable("this deadline is already past due")
    if policy.max_pause_hours == 0:
        raise TransitionNotAvailable(f"the clock '{policy.name}' cannot be paused")
    allowance = timedelta(hours=policy.max_pause_hours) - deadline.pause_total
    if allowance <= timedelta(0):
        raise TransitionNotAvailable(
            f"the maximum pause of {policy.max_pause_hours} hours is already used"
        )
    deadline.paused_at = now
    deadline.pause_reason = reason
    deadline.pause_expires_at = now + allowance
    deadline.updated_at = now
    deadline.save()
    with acting_as(by):
        services.transition_log_append(
            case=case,
            transition="pause_sla",
            source=case.state,
            target=case.state,
            actor=by,
            actor_agency=acting_agency(by, prefer=deadline.responsible_agency_id),
            reason=note.strip() or PauseReason(reason).label,
            data={
                "deadline": deadline.pk,
                "policy": policy.code,
                "pause_reason": reason,
                "pause_expires_at": deadline.pause_expires_at,
            },
            at=now,
        )
    return deadline


@transaction.atomic(durable=True)
def deadline_resume(*, deadline_id: int, by: Any, note: str = "") -> Deadline:
    """Restart the clock, moving due and warning times on by the credited pause."""
    now = timezone.now()
    case, deadline = _lock(deadline_id)
    _check_may_manage(deadline, by)
    if deadline.paused_at is None:
        raise TransitionNotAvailable("this deadline is not paused")
    with acting_as(by):
        deadline_resume_locked(
            deadline=deadline, case=case, now=now, by=by, reason=note.strip() or "Clock resumed"
        )
    return deadline


def deadline_resume_locked(
    *, deadline: Deadline, case: Case, now: datetime, by: Any, reason: str
) -> timedelta:
    """Resume a paused deadline whose row and case row the caller has locked.

    ``by`` is None when the scanner ends a pause that reached its cap. Returns the credit.
    """
    assert deadline.paused_at is not None
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
    services.transition_log_append(
        case=case,
        transition="resume_sla",
        source=case.state,
        target=case.state,
        actor=by,
        actor_agency=acting_agency(by, prefer=deadline.responsible_agency_id) if by else None,
        reason=reason,
        data={
            "deadline": deadline.pk,
            "policy": deadline.policy.code,
            "paused_seconds": int(paused_for.total_seconds()),
            "credited_seconds": int(credit.total_seconds()),
            "due_at": deadline.due_at,
        },
        at=now,
    )
    return credit


def _lock(deadline_id: int) -> tuple[Case, Deadline]:
    # The case row first, as case_transition takes it: its chain gets the audit row.
    case_id = Deadline.objects.values_list("case_id", flat=True).get(pk=deadline_id)
    case = Case.objects.select_for_update().get(pk=case_id)
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("policy")
        .get(pk=deadline_id)
    )
    return case, deadline


def _check_may_manage(deadline: Deadline, by: Any) -> None:
    if deadline.responsible_user_id is not None and deadline.responsible_user_id == by.pk:
        return
    if not user_has_role(by, *MANAGING_ROLES, agency=deadline.responsible_agency_id):
        raise TransitionForbidden(
            "only the responsible agency's staff may pause or resume this deadline"
        )

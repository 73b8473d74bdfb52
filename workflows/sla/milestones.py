"""Recording a milestone: a step that is not a state change but meets a deadline."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.audit import acting_as
from cases.models import CLOSED_STATES, Case
from notifications.services import emit
from partners.selectors import user_has_role
from workflows import services
from workflows.errors import (
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
    UnknownTransition,
)
from workflows.models import ACTIVE_DEADLINE_STATUSES, Deadline, TransitionLog
from workflows.sla.names import MILESTONES, Milestone
from workflows.sla.planning import acting_agency, deadlines_on_transition


@transaction.atomic(durable=True)
def case_milestone_record(*, case_id: int, milestone: str, by: Any, reason: str) -> TransitionLog:
    """Record ``milestone`` on the case's chain and meet the deadlines waiting for it.

    Raises UnknownTransition, InvalidTransitionData (no reason), TransitionForbidden (wrong
    role, or someone other than the person who owes a personal duty) or
    TransitionNotAvailable (closed case, unless the milestone meets a personal duty still
    running). On any error nothing is written.
    """
    now = timezone.now()
    kind = Case.objects.values_list("kind", flat=True).get(pk=case_id)
    found = MILESTONES.get(kind, {}).get(milestone)
    if found is None:
        raise UnknownTransition(f"'{milestone}' is not a milestone of {kind} cases")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransitionData({"reason": "Give a reason for this change."})
    case = Case.objects.select_for_update().select_related("responsible_agency").get(pk=case_id)
    if case.state in CLOSED_STATES and not personal_duty_outstanding(found, case_id=case.pk):
        raise TransitionNotAvailable(f"case {case.reference} is closed")
    _check_may_record(found, case=case, by=by)
    with acting_as(by):
        log = services.transition_log_append(
            case=case,
            transition=milestone,
            source=case.state,
            target=case.state,
            actor=by,
            actor_agency=acting_agency(by, prefer=case.responsible_agency_id),
            reason=reason,
            data={},
            at=now,
        )
        emit(
            type="case.milestone_recorded",
            case=case,
            occurred_at=now,
            data={"milestone": milestone, "log_seq": log.seq},
            actor_id=by.pk,
        )
        deadlines_on_transition(
            case=case, name=milestone, source=case.state, target=case.state, now=now, by=by
        )
    return log


def personal_duty_outstanding(milestone: Milestone, *, case_id: int) -> bool:
    """Is ``milestone`` a personal duty whose deadline is still running? Such a duty may be
    recorded after the case closes (it survives closure: see planning._cancel_reason)."""
    if not milestone.owed_by_detail:
        return False
    # A case has a handful of deadlines; JSON containment is not portable to SQLite.
    running = Deadline.objects.filter(case_id=case_id, status__in=ACTIVE_DEADLINE_STATUSES)
    return any(
        milestone.name in met_by for met_by in running.values_list("policy__met_by", flat=True)
    )


def _check_may_record(milestone: Milestone, *, case: Case, by: Any) -> None:
    if milestone.owed_by_detail:
        # A personal duty cannot be delegated (FGM Act 2003 s5B): only its owner discharges it.
        duty = case.details.get(milestone.owed_by_detail)
        owed_by = duty.get("owed_by") if isinstance(duty, dict) else None
        if owed_by is None or owed_by != by.pk:
            raise TransitionForbidden(
                f"'{milestone.name}' discharges a personal duty: only the person who owes "
                "it may record it"
            )
        return
    if milestone.assignee and case.assigned_officer_id == by.pk:
        return
    if not user_has_role(by, *milestone.roles, agency=case.responsible_agency_id):
        raise TransitionForbidden(f"you may not record '{milestone.name}' on {case.reference}")

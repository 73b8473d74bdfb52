"""Record a milestone: a step that is not a state change but meets a deadline."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from workflows.actions.unit import case_change
from workflows.errors import TransitionForbidden, TransitionNotAvailable, UnknownTransition
from workflows.models import TransitionLog
from workflows.policy import milestone_closed_refusal, milestone_permission_refusal
from workflows.sla.names import MILESTONES


def case_milestone_record(*, case_id: int, milestone: str, by: Any, reason: str) -> TransitionLog:
    """Record ``milestone`` on the case's chain and meet the deadlines waiting for it.

    Raises UnknownTransition, InvalidTransitionData (no reason), TransitionForbidden (wrong
    role, or someone other than the person who owes a personal duty) or
    TransitionNotAvailable (closed case, unless the milestone meets a personal duty still
    running). On any error nothing is written.
    """
    kind = Case.objects.values_list("kind", flat=True).get(pk=case_id)
    found = MILESTONES.get(kind, {}).get(milestone)
    if found is None:
        raise UnknownTransition(f"'{milestone}' is not a milestone of {kind} cases")
    with case_change(case_id=case_id, by=by, name=milestone, reason=reason, durable=True) as change:
        if refusal := milestone_closed_refusal(found, case=change.case):
            raise TransitionNotAvailable(refusal)
        if refusal := milestone_permission_refusal(found, case=change.case, user=by):
            raise TransitionForbidden(refusal)
        change.emit(
            type="case.milestone_recorded", data={"milestone": milestone}, with_log_seq=True
        )
    assert change.log is not None
    return change.log

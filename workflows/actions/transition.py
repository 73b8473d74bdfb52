"""Move a case through its workflow: the only way ``Case.state`` changes."""

from __future__ import annotations

from typing import Any

from django_fsm import can_proceed

from cases.models import Case, CaseAgency, CaseAgencyRole
from partners.models import Agency
from workflows import transition_data
from workflows.actions.unit import case_change
from workflows.errors import TransitionForbidden, TransitionNotAvailable, UnknownTransition
from workflows.machines import (
    TransitionContext,
    answers_referrer,
    machine_for,
    transition_names,
)
from workflows.models import MaracReferral, RiskAssessment


def case_transition(
    *,
    case_id: int,
    name: str,
    by: Any,
    reason: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move a case through its workflow.

    Raises UnknownTransition, InvalidTransitionData (400), TransitionForbidden (403),
    TransitionNotAvailable or ConcurrentChange (409). On any error nothing is written.
    """
    kind = Case.objects.values_list("kind", flat=True).get(pk=case_id)
    if name not in transition_names(kind):
        raise UnknownTransition(f"'{name}' is not a transition of {kind} cases")
    # Concurrent transitions on one case queue on the row lock; the loser then finds the
    # state already moved (or the version bumped) and leaves no trace.
    with case_change(
        case_id=case_id,
        model=machine_for(kind),
        by=by,
        name=name,
        reason=reason,
        expected_version=expected_version,
        durable=True,
        require_reason=False,  # the refusals below come first, as they always have
    ) as change:
        case = change.case
        method = getattr(case, name)
        if not can_proceed(method, check_conditions=False):
            raise TransitionNotAvailable(f"'{name}' is not available from state '{case.state}'")
        if not method._django_fsm.has_transition_perm(case, case.state, by):
            raise TransitionForbidden(f"you may not '{name}' case {case.reference}")
        if not can_proceed(method):
            raise TransitionNotAvailable(
                f"the conditions for '{name}' are not met on {case.reference}"
            )
        change.require_reason()
        clean = transition_data.validate(case=case, name=name, data=data or {}, by=by)
        ctx = TransitionContext(
            by=by, agency=change.agency, reason=change.reason, data=clean, now=change.now
        )
        previous_lead = case.responsible_agency
        previous_officer = case.assigned_officer_id
        method(ctx)
        change.changed()
        change.save_case()  # the case's audit entry first, then the rows beside it
        _after_transition(case=case, name=name, ctx=ctx, previous_lead=previous_lead)
        change.log_data = transition_data.loggable(clean)
        change.emit(
            type="case.transitioned",
            data={
                "transition": name,
                "from": change.source,
                "to": case.state,
                # Reaching the state answers; a reassessment that stays in it does not.
                "answers_referrer": case.state != change.source
                and answers_referrer(kind, case.state),
            },
            with_log_seq=True,
        )
        if name == "assign" or case.assigned_officer_id != previous_officer:
            change.emit(
                type="case.assigned",
                data={
                    "agency": case.responsible_agency.code,
                    "officer_assigned": bool(case.assigned_officer_id),
                },
            )
    return case


def _after_transition(
    *, case: Case, name: str, ctx: TransitionContext, previous_lead: Agency
) -> None:
    """Rows a transition writes beside the case itself (same transaction)."""
    if name == "assign" and case.responsible_agency_id != previous_lead.pk:
        CaseAgency.objects.filter(
            case=case, agency=previous_lead, role=CaseAgencyRole.LEAD
        ).delete()
        CaseAgency.objects.get_or_create(
            case=case,
            agency=previous_lead,
            role=CaseAgencyRole.PARTICIPANT,
            defaults={"added_at": ctx.now},
        )
        CaseAgency.objects.get_or_create(
            case=case,
            agency=case.responsible_agency,
            role=CaseAgencyRole.LEAD,
            defaults={"added_at": ctx.now},
        )
    elif name in ("assess_risk", "reassess_risk"):
        RiskAssessment.objects.create(
            case=case,
            answers=ctx.data["dash"],
            score=ctx.data["score"],
            professional_judgement=ctx.data.get("professional_judgement") or "",
            escalation=ctx.data.get("escalation", False),
            risk=ctx.data["assessed_risk"],
            assessed_by=ctx.by,
            assessed_at=ctx.now,
        )
    elif name == "refer_to_marac":
        assessment = ctx.data["assessment"]
        MaracReferral.objects.create(
            case=case,
            assessment=assessment,
            dash_answers=assessment.answers if assessment else {},
            dash_score=assessment.score if assessment else None,
            grounds=ctx.data["grounds"],
            referred_by=ctx.by,
            referred_at=ctx.now,
            hearing_scheduled_for=ctx.data.get("hearing_scheduled_for"),
        )
    elif name == "record_marac_hearing":
        MaracReferral.objects.filter(case=case, heard_at__isnull=True).update(
            heard_at=ctx.data.get("heard_at") or ctx.now
        )

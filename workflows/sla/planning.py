"""Planning deadlines: the hook the transition service calls inside its own transaction.

One rule set, applied after every change to a case (open, a transition, a risk change, a
milestone, a recorded duty): deadlines the change meets are met, deadlines it makes moot
are cancelled, and deadlines it starts are planned. Closing a case cancels every deadline
but a personal duty's, which runs until its owner meets it. Only the responsible agency
moves with the case; due times are fixed when planned (a holiday change recomputes them).
A policy that outlives closure (``outlives_closure``: a personal duty, the ASB case review)
is the one kind of clock a closed case still starts and keeps.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model

from cases.models import CLOSED_STATES, Case, CaseAgency
from partners.models import Agency
from partners.selectors import primary_agency, user_agency_ids
from workflows.calendar import WorkingCalendar
from workflows.models import (
    ACTIVE_DEADLINE_STATUSES,
    Deadline,
    DeadlineStatus,
    Responsible,
    SlaPolicy,
    SlaTrigger,
    TransitionLog,
)
from workflows.sla.clock import anchor_instant, base_due, base_warn, current_calendar
from workflows.sla.conditions import condition_holds
from workflows.sla.names import SET_RISK

logger = logging.getLogger(__name__)


def deadlines_on_transition(
    *, case: Case, name: str, source: str, target: str, now: datetime, by: Any
) -> list[Deadline]:
    """Meet, cancel and plan ``case``'s deadlines after ``name`` took it from source to target.

    Call inside the transaction that made the change, holding the case row lock, after the
    case is saved, with the operation's one ``now``. ``name`` is ``open``, a transition,
    ``set_risk``, a milestone or a recorded event (``record_fgm_duty``,
    ``flag_case_review``). Returns the deadlines it planned.
    """
    active = (
        Deadline.objects.select_for_update(of=("self",))
        .filter(case_id=case.pk, status__in=ACTIVE_DEADLINE_STATUSES)
        .select_related("policy")
        .order_by("pk")  # the lock order the holiday recompute uses too
    )
    running: list[Deadline] = []
    for deadline in active:
        if name in deadline.policy.met_by:
            _meet(deadline, name=name, now=now)
        elif reason := _cancel_reason(deadline, case=case):
            deadline_cancel(deadline=deadline, reason=reason, now=now)
        else:
            running.append(deadline)
    closed = case.state in CLOSED_STATES
    _follow_lead(running, case=case, now=now)
    busy = {d.policy_id for d in running}
    # One clock per duty: a duty that runs until met (the MARAC referral) is owed once,
    # however many of its policies would start it.
    owed = {_duty(d.policy) for d in running if d.policy.runs_until_met}
    calendar: WorkingCalendar | None = None
    planned = []
    for policy in SlaPolicy.objects.filter(kind=case.kind, is_active=True).order_by("pk"):
        if closed and not outlives_closure(policy):
            continue
        if policy.pk in busy or not _starts(policy, case=case, name=name, source=source):
            continue
        if policy.runs_until_met:
            if _duty(policy) in owed:
                continue
            owed.add(_duty(policy))
        calendar = calendar or current_calendar()
        planned.append(deadline_plan(policy=policy, case=case, now=now, calendar=calendar))
    return planned


def _duty(policy: SlaPolicy) -> tuple[str, ...]:
    """What discharges the policy's clock: policies met by the same names owe one duty."""
    return tuple(sorted(policy.met_by))


def deadline_plan(
    *, policy: SlaPolicy, case: Case, now: datetime, calendar: WorkingCalendar
) -> Deadline:
    """Start ``policy``'s clock on ``case`` now. The caller holds the case row lock."""
    clock_from = _anchor(policy, case) if policy.trigger == SlaTrigger.CASE_DATE else now
    if clock_from is None:
        raise ValueError(f"case {case.reference} has no {policy.date_field} for {policy.code}")
    due = base_due(policy, clock_from=clock_from, calendar=calendar)
    agency, user = _responsible(policy, case)
    return Deadline.objects.create(
        case=case,
        policy=policy,
        started_at=now,
        clock_from=clock_from,
        due_at=due,
        warn_at=base_warn(policy, started_at=now, due=due, calendar=calendar),
        responsible_agency=agency,
        responsible_user=user,
        updated_at=now,
    )


def deadline_cancel(*, deadline: Deadline, reason: str, now: datetime) -> None:
    """Stop a clock that no longer applies; a breach already recorded stays recorded."""
    deadline.status = DeadlineStatus.CANCELLED
    deadline.cancelled_at = now
    deadline.cancel_reason = reason
    _clear_running(deadline)
    deadline.updated_at = now
    deadline.save()


def _meet(deadline: Deadline, *, name: str, now: datetime) -> None:
    deadline.status = DeadlineStatus.MET
    deadline.met_at = now
    deadline.met_by = name
    _clear_running(deadline)
    deadline.updated_at = now
    deadline.save()


def _clear_running(deadline: Deadline) -> None:
    deadline.escalate_next_at = None
    deadline.paused_at = None
    deadline.pause_reason = ""
    deadline.pause_expires_at = None


def _cancel_reason(deadline: Deadline, *, case: Case) -> str:
    policy = deadline.policy
    if case.state in CLOSED_STATES:
        # A personal duty outlives the case: the FGM report is owed to the police whatever
        # the partnership does with the case (FGM Act 2003 s5B), so only meeting it ends it;
        # so do the steps owed to an ASB case review applicant (s104: after closure too).
        return "" if outlives_closure(policy) else "case_closed"
    if policy.runs_until_met:
        # A MARAC referral owed ends by being made or by a recorded decision, never because
        # the risk was lowered or the case moved on (SafeLives: the criteria, once met,
        # stand until MARAC decides).
        return ""
    if policy.risk and policy.risk != case.risk:
        return "risk_changed"
    if policy.trigger == SlaTrigger.STATE and case.state != policy.trigger_state:
        return "left_state"
    if policy.trigger == SlaTrigger.CASE_DATE:
        anchor = _anchor(policy, case)
        if anchor is None:
            return "date_removed"
        if anchor != deadline.clock_from:
            return "date_changed"
    return ""


def outlives_closure(policy: SlaPolicy) -> bool:
    """Does the clock run whatever becomes of the case? A personal duty, or a policy so
    marked (``SlaPolicy.outlives_closure``)."""
    return personal_duty(policy) or policy.outlives_closure


def personal_duty(policy: SlaPolicy) -> bool:
    """A duty the law puts on a named person, not on an agency (the FGM report)."""
    return policy.responsible == Responsible.NAMED_PERSON


def _starts(policy: SlaPolicy, *, case: Case, name: str, source: str) -> bool:
    """Does this change start ``policy``'s clock? (No active deadline of it exists.)"""
    if policy.risk and policy.risk != case.risk:
        return False
    if not condition_holds(policy, case):
        return False
    if policy.trigger == SlaTrigger.STATE:
        if case.state != policy.trigger_state:
            return False
        if source != case.state:
            return True  # entering the state
        # Risk raised while in the state: start, unless met since the case entered it.
        return name == SET_RISK and not _met_in_this_state(policy, case)
    if policy.trigger == SlaTrigger.EVENT:
        return name == policy.trigger_event
    if policy.trigger == SlaTrigger.RISK:
        return True  # recurring: the next review starts when the last one is met
    if policy.trigger == SlaTrigger.CASE_DATE:
        anchor = _anchor(policy, case)
        return (
            anchor is not None
            and not Deadline.objects.filter(case_id=case.pk, policy=policy, clock_from=anchor)
            .exclude(status=DeadlineStatus.CANCELLED)
            .exists()
        )
    return False


def _met_in_this_state(policy: SlaPolicy, case: Case) -> bool:
    entered = (
        TransitionLog.objects.filter(case_id=case.pk)
        .exclude(source=case.state)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    met = Deadline.objects.filter(case_id=case.pk, policy=policy, status=DeadlineStatus.MET)
    return met.filter(started_at__gte=entered).exists() if entered else met.exists()


def _anchor(policy: SlaPolicy, case: Case) -> datetime | None:
    day = getattr(case, policy.date_field, None) if policy.date_field else None
    if day is None:
        return None
    return anchor_instant(day, policy.offset_days, policy.anchor_time).astimezone(UTC)


def _responsible(policy: SlaPolicy, case: Case) -> tuple[Agency, Any]:
    """The lead agency, or for a personal duty the person who owes it and their agency."""
    if policy.responsible == Responsible.NAMED_PERSON:
        duty = case.details.get(policy.owed_by_detail)
        owed = duty.get("owed_by") if isinstance(duty, dict) else None
        user = (
            get_user_model().objects.filter(pk=owed).first()
            if isinstance(owed, int) and not isinstance(owed, bool)
            else None
        )
        if user is not None:
            return _agency_on_case(user, case), user
        # The duty is recorded before the clock is planned, so this is a data fault: keep
        # the clock running under the lead agency rather than lose it.
        logger.warning(
            "case %s: %s names no person in details[%r]; the lead agency is responsible",
            case.pk,
            policy.code,
            policy.owed_by_detail,
        )
    return case.responsible_agency, None


def _agency_on_case(user: Any, case: Case) -> Agency:
    """The user's agency that is linked to the case (e.g. as referrer), else their first."""
    ids = user_agency_ids(user)
    link = (
        CaseAgency.objects.filter(case_id=case.pk, agency_id__in=ids)
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    if link is not None:
        return link.agency
    return primary_agency(user) or case.responsible_agency


def _follow_lead(running: list[Deadline], *, case: Case, now: datetime) -> None:
    """A reassigned case takes its lead-agency deadlines (and their escalations) with it."""
    for deadline in running:
        if (
            deadline.policy.responsible == Responsible.LEAD_AGENCY
            and deadline.responsible_agency_id != case.responsible_agency_id
        ):
            deadline.responsible_agency_id = case.responsible_agency_id
            deadline.updated_at = now
            deadline.save(update_fields=["responsible_agency", "updated_at"])

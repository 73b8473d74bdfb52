"""Planning deadlines: the hook the transition service calls inside its own transaction.

One rule set, applied after every change to a case (open, a transition, a risk change, a
milestone, a recorded duty): deadlines the change meets are met, deadlines it makes moot
are cancelled, and deadlines it starts are planned. Closing a case cancels every deadline
but a personal duty's, which runs until its owner meets it. Only the responsible agency
moves with the case; due times are fixed when planned (a holiday change recomputes them).
A policy that outlives closure (``outlives_closure``: a personal duty, the ASB case review)
is the one kind of clock a closed case still starts and keeps.

A personal duty (the FGM report, ``cases.models.PersonalDuty``) has clocks of its own,
one set per person who owes it, running from that person's discovery: they end when the
duty is reported (met) or found not owed (cancelled), never with the case.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any

from cases.models import CLOSED_STATES, Case, CaseAgency, DutyStatus, PersonalDuty
from partners.models import Agency
from workflows.calendar import LONDON, WorkingCalendar
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
        .select_related("policy", "duty")
        .order_by("pk")  # the lock order the holiday recompute uses too
    )
    running: list[Deadline] = []
    for deadline in active:
        if deadline.duty is not None:
            # One person's duty: only its own record ends it, whatever else happens.
            if deadline.duty.status == DutyStatus.REPORTED:
                _meet(deadline, name=name, now=now)
            elif deadline.duty.status == DutyStatus.EXEMPT:
                deadline_cancel(deadline=deadline, reason="not_owed_s5b6", now=now)
            else:
                running.append(deadline)
        elif name in deadline.policy.met_by:
            _meet(deadline, name=name, now=now)
        elif reason := _cancel_reason(deadline, case=case):
            deadline_cancel(deadline=deadline, reason=reason, now=now)
        else:
            running.append(deadline)
    closed = case.state in CLOSED_STATES
    calendar: WorkingCalendar | None = None
    planned = []
    for policy, duty in [] if closed else _duties_starting(case=case, name=name):
        calendar = calendar or current_calendar()
        planned.append(
            deadline_plan(policy=policy, case=case, now=now, calendar=calendar, duty=duty)
        )
    _follow_lead(running, case=case, now=now)
    busy = {d.policy_id for d in running}
    # One clock per duty: a duty that runs until met (the MARAC referral) is owed once,
    # however many of its policies would start it.
    owed = {_duty(d.policy) for d in running if d.policy.runs_until_met}
    for policy in SlaPolicy.objects.filter(kind=case.kind, is_active=True).order_by("pk"):
        if personal_duty(policy):
            continue  # planned per person above
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


def _duties_starting(*, case: Case, name: str) -> list[tuple[SlaPolicy, PersonalDuty]]:
    """The personal-duty clocks ``name`` starts: each policy it triggers, for each person
    who owes that duty on the case and has no clock of it yet."""
    policies = [
        policy
        for policy in SlaPolicy.objects.filter(
            kind=case.kind,
            is_active=True,
            responsible=Responsible.NAMED_PERSON,
            trigger=SlaTrigger.EVENT,
            trigger_event=name,
        ).order_by("pk")
    ]
    if not policies:
        return []
    duties = list(
        PersonalDuty.objects.filter(case_id=case.pk, status=DutyStatus.OWED)
        .select_related("owed_by", "agency")
        .order_by("pk")
    )
    started = set(
        Deadline.objects.filter(duty__in=duties)
        .exclude(status=DeadlineStatus.CANCELLED)
        .values_list("duty_id", "policy_id")
    )
    return [
        (policy, duty)
        for policy in policies
        for duty in duties
        if duty.duty == policy.owed_by_detail and (duty.pk, policy.pk) not in started
    ]


def duty_clock_from(duty: PersonalDuty) -> datetime:
    """A personal duty runs from the start of the London day its owner discovered it: the
    law counts from the moment of discovery (FGM Act 2003 s5B(5)(c)) and the service is
    told only the day, so it takes the earliest moment of that day, never a later one."""
    return datetime.combine(duty.discovered_on, time(0, 0), tzinfo=LONDON).astimezone(UTC)


def _duty(policy: SlaPolicy) -> tuple[str, ...]:
    """What discharges the policy's clock: policies met by the same names owe one duty."""
    return tuple(sorted(policy.met_by))


def deadline_plan(
    *,
    policy: SlaPolicy,
    case: Case,
    now: datetime,
    calendar: WorkingCalendar,
    duty: PersonalDuty | None = None,
) -> Deadline:
    """Start ``policy``'s clock on ``case`` now (for a personal-duty policy, ``duty``'s
    clock, from its discovery). The caller holds the case row lock."""
    if duty is not None:
        clock_from: datetime | None = duty_clock_from(duty)
        agency, user = duty.agency, duty.owed_by
    else:
        clock_from = _anchor(policy, case) if policy.trigger == SlaTrigger.CASE_DATE else now
        agency, user = _responsible(policy, case)
    if clock_from is None:
        raise ValueError(f"case {case.reference} has no {policy.date_field} for {policy.code}")
    due = base_due(policy, clock_from=clock_from, calendar=calendar)
    return Deadline.objects.create(
        case=case,
        policy=policy,
        duty=duty,
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
    """The lead agency; for an agency on the case, the first linked agency of the policy's
    kind (a personal duty's owner is its ``PersonalDuty``'s, in deadline_plan)."""
    if policy.responsible == Responsible.AGENCY_ON_CASE:
        link = (
            CaseAgency.objects.filter(case_id=case.pk, agency__kind=policy.responsible_agency_kind)
            .select_related("agency")
            .order_by("pk")
            .first()
        )
        if link is not None:
            return link.agency, None
        # The action that starts such a clock links the agency first; without one the
        # clock stays with the lead rather than being lost.
        logger.warning(
            "case %s: %s has no %s agency on the case; the lead agency is responsible",
            case.pk,
            policy.code,
            policy.responsible_agency_kind,
        )
    if personal_duty(policy):
        # A personal-duty policy is planned only with its duty: this is a data fault (a
        # policy edited in the admin), so keep the clock under the lead agency, not lose it.
        logger.warning("case %s: %s planned without a duty", case.pk, policy.code)
    return case.responsible_agency, None


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

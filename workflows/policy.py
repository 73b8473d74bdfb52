"""Who may do what to a case or its clocks: the one rule, asked by pages (which buttons to
show) and by actions (what to refuse).

For a transition the state machine's own permission is the rule (``workflows.machines``);
for a risk change, a milestone and a paused clock the rules are written here, once. Each
``*_refusal`` returns why not, or None; the ``may_*`` and ``*_available`` forms are the
same rule for a page that only needs yes or no.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cases.access import referring_agencies, sees_as_member
from cases.models import (
    CLOSED_STATES,
    RISK_ORDER,
    VAWG_FULL_ROLES,
    Case,
    CaseAgency,
    CaseKind,
    DutyStatus,
    PersonalDuty,
    RiskLevel,
)
from partners.models import Agency, Role
from partners.selectors import user_agency_ids, user_has_role
from workflows.machines import MACHINES
from workflows.models import Deadline, DeadlineStatus
from workflows.sla.names import MILESTONES, Milestone

# Every working role at the responsible agency may stop or restart its clocks; auditors
# only read.
MANAGING_ROLES = tuple(role for role in Role.values if role != Role.AUDITOR)


# --- Transitions: the machine's permission ----------------------------------------------


def available_transitions(*, case: Case, user: Any) -> list[str]:
    """Transition names the user may perform on the case now (state, guard and permission)."""
    machine_case = MACHINES[case.kind].objects.get(pk=case.pk) if type(case) is Case else case
    return sorted(
        t.name
        for t in machine_case.get_available_user_state_transitions(user)  # type: ignore[attr-defined]
    )


# --- Risk -------------------------------------------------------------------------------


def risk_change_allowed(*, user: Any, case: Case, risk: str) -> bool:
    """Lowering a risk needs the lead agency's safeguarding lead or manager (a VAWG case's,
    its manager: a downgrade is a manager's decision, and the referrer is told); raising it,
    also the ASB coordinator (ASB) or the probation practitioner (early release) there."""
    lowering = RISK_ORDER[RiskLevel(risk)] < RISK_ORDER[RiskLevel(case.risk)]
    if lowering and case.kind == CaseKind.VAWG:
        return user_has_role(user, Role.MANAGER, agency=case.responsible_agency_id)
    roles: tuple[str, ...] = (Role.SAFEGUARDING_LEAD, Role.MANAGER)
    if not lowering and case.kind == CaseKind.ASB:
        roles += (Role.ASB_COORDINATOR,)
    if not lowering and case.kind == CaseKind.EARLY_RELEASE:
        roles += (Role.PROBATION_PRACTITIONER,)
    return user_has_role(user, *roles, agency=case.responsible_agency_id)


# --- Personal duties (FGM Act 2003 s5B) -------------------------------------------------


def duty_refusal(*, duty: PersonalDuty, user: Any) -> str | None:
    """Only the person who owes a duty records that they met it or that it is not owed: it
    cannot be delegated (s5B). It may be recorded after the case has closed."""
    if duty.owed_by_id != getattr(user, "pk", None):
        return "this is someone else's personal duty: only the person who owes it may record it"
    if duty.status == DutyStatus.REPORTED:
        return "the report is already recorded"
    if duty.status == DutyStatus.EXEMPT:
        return "this duty is already recorded as not owed"
    return None


def fgm_discovery_agency(*, user: Any, case: Case) -> Agency | None:
    """The agency someone records an FGM discovery for: one where they hold a working role,
    the one taking part in the case if any. None: they may not record one."""
    agencies = referring_agencies(user)
    on_case = set(case.case_agencies.values_list("agency_id", flat=True))
    on_case.add(case.responsible_agency_id)
    return next((a for a in agencies if a.pk in on_case), agencies[0] if agencies else None)


def fgm_discovery_refusal(*, user: Any, case: Case) -> str | None:
    """Anyone with a working role who sees a VAWG case may record FGM discovered later; a
    closed case takes a new referral instead."""
    if fgm_discovery_agency(user=user, case=case) is None:
        return "recording a discovery needs a working role in an agency"
    if case.kind != CaseKind.VAWG:
        return "FGM is recorded on a VAWG case: raise a VAWG referral"
    if case.state in CLOSED_STATES:
        return f"case {case.reference} is closed: raise a new referral"
    return None


# --- Do not disclose to the other party ----------------------------------------------------

# Who at the lead agency decides whether a person may be named to the other agencies on a
# case: those who run it (a VAWG case: VAWG_FULL_ROLES, the roles that may read it).
DISCLOSURE_ROLES = (
    Role.ASB_COORDINATOR,
    Role.SAFEGUARDING_LEAD,
    Role.PROBATION_PRACTITIONER,
    Role.MANAGER,
)


def disclosure_change_refusal(*, user: Any, case: Case) -> str | None:
    """Only the lead agency marks a person "do not disclose to the other party" or lifts
    the mark (``case_subject_disclosure_set``); a VAWG victim's mark is never lifted."""
    roles = VAWG_FULL_ROLES if case.kind == CaseKind.VAWG else DISCLOSURE_ROLES
    if not user_has_role(user, *roles, agency=case.responsible_agency_id):
        return f"only the lead agency decides who may be told about the people on {case.reference}"
    return None


def may_change_disclosure(*, user: Any, case: Case) -> bool:
    return disclosure_change_refusal(user=user, case=case) is None


# --- Milestones ---------------------------------------------------------------------------


def milestone_closed_refusal(milestone: Milestone, *, case: Case) -> str | None:
    """A closed case takes no milestone (a personal duty's report is not one: see below);
    a milestone that answers a fact (``when_detail``) is asked only of a case with that
    fact."""
    if milestone.when_detail and not case.details.get(milestone.when_detail):
        return f"'{milestone.name}' is not asked of {case.reference}"
    if case.state in CLOSED_STATES:
        return f"case {case.reference} is closed"
    return None


def milestone_permission_refusal(milestone: Milestone, *, case: Case, user: Any) -> str | None:
    if milestone.agency_kinds:
        # Asked of an agency on the case (children's social care, the police), not the lead.
        linked = CaseAgency.objects.filter(
            case_id=case.pk,
            agency__kind__in=milestone.agency_kinds,
            agency_id__in=user_agency_ids(user, milestone.roles),
        )
        if not linked.exists():
            return f"you may not record '{milestone.name}' on {case.reference}"
        return None
    if milestone.assignee and case.assigned_officer_id == user.pk:
        return None
    if not user_has_role(user, *milestone.roles, agency=case.responsible_agency_id):
        return f"you may not record '{milestone.name}' on {case.reference}"
    return None


def milestones_for_user(*, case: Case, user: Any) -> list[Milestone]:
    """The milestones of the case's kind ``user`` may record on it now."""
    return [
        milestone
        for milestone in MILESTONES.get(case.kind, {}).values()
        if milestone_closed_refusal(milestone, case=case) is None
        and milestone_permission_refusal(milestone, case=case, user=user) is None
    ]


# --- Clocks -------------------------------------------------------------------------------


def may_manage_deadline(*, user: Any, deadline: Deadline) -> bool:
    """The person who owes the deadline, or a working role at the responsible agency."""
    if deadline.responsible_user_id is not None and deadline.responsible_user_id == user.pk:
        return True
    return user_has_role(user, *MANAGING_ROLES, agency=deadline.responsible_agency_id)


def pause_refusal(deadline: Deadline, *, now: datetime) -> str | None:
    """Why the clock cannot be paused now: only an open, running clock, not yet due, whose
    policy still has pause time to credit."""
    policy = deadline.policy
    if deadline.status != DeadlineStatus.OPEN:
        return f"only an open deadline can be paused; this one is {deadline.status}"
    if deadline.paused_at is not None:
        return "this deadline is already paused"
    if deadline.due_at <= now:
        return "this deadline is already past due"
    if policy.max_pause_hours == 0:
        return f"the clock '{policy.name}' cannot be paused"
    if timedelta(hours=policy.max_pause_hours) <= deadline.pause_total:
        return f"the maximum pause of {policy.max_pause_hours} hours is already used"
    return None


def deadline_can_pause(deadline: Deadline, *, now: datetime) -> bool:
    return pause_refusal(deadline, now=now) is None


# --- ASB case review applications -------------------------------------------------------
# s104 puts the review on the relevant bodies; here the lead agency's working roles record
# the application and move it (whoever received it). The applicant's identity is personal
# data on the complaining side: like a person marked "do not disclose to the other party",
# it is shown only to the lead agency, the agency that received the application and
# auditors. Other agencies working on the case see the application's progress, not who
# applied or what the complaints say; a referrer who is not working on the case (and a
# stranger) sees nothing of it, as with the intake prompt.


def case_review_refusal(*, user: Any, case: Case) -> str | None:
    """Why ``user`` may not record or move a case review application on ``case``."""
    if case.kind != CaseKind.ASB:
        return f"an ASB case review is for ASB cases; {case.reference} is not one"
    if not user_has_role(user, *MANAGING_ROLES, agency=case.responsible_agency_id):
        return f"only the lead agency's working roles record a case review on {case.reference}"
    return None


def may_record_case_review(*, user: Any, case: Case) -> bool:
    return case_review_refusal(user=user, case=case) is None


def case_review_visibility(*, user: Any, case: Case, member: bool | None = None) -> str:
    """How much of the case's review applications ``user`` sees: "none", "progress" (the
    other agencies working on the case) or "full" (lead, receiving agency, auditors).
    ``member``: ``sees_as_member(user, case)`` if the caller has asked it already."""
    if case.kind != CaseKind.ASB:
        return "none"
    if not (sees_as_member(user, case) if member is None else member):
        return "none"
    if user_has_role(user, Role.AUDITOR) or user_has_role(
        user, *Role.values, agency=case.responsible_agency_id
    ):
        return "full"
    return "progress"


def applicant_disclosed(*, user: Any, application: Any, member: bool | None = None) -> bool:
    """Whether ``user`` may read who applied and the complaints relied on."""
    visible = case_review_visibility(user=user, case=application.case, member=member)
    if visible == "full":
        return True
    return visible == "progress" and user_has_role(
        user, *Role.values, agency=application.received_by_id
    )

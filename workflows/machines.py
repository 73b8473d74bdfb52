"""The three state machines, as proxy models of ``cases.Case`` (one per kind).

Transition methods only change the case's own fields; ``workflows.actions.case_transition``
is the only caller (its unit of work locks, checks the version, logs and emits; the action
asks the permission and the guard). Permissions are
callables bound to the case's responsible agency, so one agency's right never applies to
another agency's cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django_fsm import transition

from cases.models import Case, CaseAgency, CaseAgencyRole, CaseKind, RiskLevel
from partners.models import Agency, Role
from partners.selectors import user_has_role, user_memberships
from workflows.review.models import CaseReviewApplication, ReviewState


@dataclass(frozen=True)
class TransitionContext:
    by: Any
    agency: Agency | None
    reason: str
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)


Permission = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class PermissionScope:
    """Who a permission admits, as data: these roles at the responsible agency, and the
    assigned officer when ``assignee``. Lets a selector find in SQL the cases a user could
    act on, rather than asking the machine about every open case in turn."""

    roles: frozenset[str]
    assignee: bool = False
    # At any agency working on the case (lead or participating), not only the lead.
    case_agencies: bool = False


PERMISSION_SCOPES: dict[Permission, PermissionScope] = {}


def _any_of(roles: tuple[str, ...]) -> str:
    names = [str(r) for r in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


# The docstrings say who may, in words: workflows.diagrams prints them on the diagrams.
def roles_at_lead(*roles: str) -> Permission:
    def check(instance: Any, user: Any) -> bool:
        return user_has_role(user, *roles, agency=instance.responsible_agency_id)

    check.__doc__ = f"{_any_of(roles)} of the responsible agency"
    PERMISSION_SCOPES[check] = PermissionScope(frozenset(roles))
    return check


def assignee_or_roles_at_lead(*roles: str) -> Permission:
    by_role = roles_at_lead(*roles)

    def check(instance: Any, user: Any) -> bool:
        assigned = instance.assigned_officer_id is not None
        return (assigned and instance.assigned_officer_id == user.pk) or by_role(instance, user)

    check.__doc__ = f"the assigned officer, or {_any_of(roles)} of the responsible agency"
    PERMISSION_SCOPES[check] = PermissionScope(frozenset(roles), assignee=True)
    return check


def roles_at_case_agencies(*roles: str, who: str = "") -> Permission:
    def check(instance: Any, user: Any) -> bool:
        agencies = {m.agency_id for m in user_memberships(user) if m.role in roles}
        return bool(agencies) and (
            instance.responsible_agency_id in agencies
            or CaseAgency.objects.filter(
                case_id=instance.pk,
                agency_id__in=agencies,
                role__in=[CaseAgencyRole.LEAD, CaseAgencyRole.PARTICIPANT],
            ).exists()
        )

    check.__doc__ = f"{who or _any_of(roles)} of any agency working on the case"
    PERMISSION_SCOPES[check] = PermissionScope(frozenset(roles), case_agencies=True)
    return check


ASB_LEAD = roles_at_lead(Role.ASB_COORDINATOR, Role.MANAGER)
ASB_WORKER = assignee_or_roles_at_lead(Role.ASB_COORDINATOR, Role.MANAGER, Role.CASE_WORKER)
SAFEGUARDING = roles_at_lead(Role.SAFEGUARDING_LEAD, Role.MANAGER)
PROBATION = roles_at_lead(Role.PROBATION_PRACTITIONER, Role.MANAGER)
# SafeLives: any agency may refer to MARAC. Here: a working role (not an auditor) at any
# agency working on the case, the lead or a participant.
CASE_PARTNERS = roles_at_case_agencies(
    *(r for r in Role.values if r != Role.AUDITOR), who="any working role (not an auditor)"
)


def case_review_threshold_met(instance: Any) -> bool:
    """the ASB case review threshold is met (an application's decision, or the intake prompt)"""
    # The case_review state is the open case's working state while a review runs; the
    # review itself is the application (workflows.review), which needs no open case.
    return (
        instance.case_review_flagged_at is not None
        or CaseReviewApplication.objects.filter(
            case_id=instance.pk, state__in=[ReviewState.THRESHOLD_MET, ReviewState.MEETING_HELD]
        ).exists()
    )


def is_not_high_risk(instance: Any) -> bool:
    """the risk is not high"""
    return instance.risk != RiskLevel.HIGH


def marac_referable(instance: Any) -> bool:
    """the risk is high or it is a repeat"""
    # A repeat: a new incident within 12 months of the last MARAC referral (SafeLives).
    return instance.risk == RiskLevel.HIGH or bool(instance.details.get("marac_repeat"))


# Where a VAWG case may be referred to MARAC (again) and its risk reassessed: every open
# state after the report (SafeLives: a repeat is referred whatever the state of support).
VAWG_OPEN_AFTER_REPORT = [
    "risk_assessed",
    "marac_heard",
    "support_offered",
    "support_declined",
    "safety_plan_active",
]


def _close(case: Case, ctx: TransitionContext) -> None:
    case.closed_at = ctx.now
    case.closure_reason = ctx.reason


class AsbCase(Case):
    """ASB: reported -> triaged -> assigned -> in_progress -> resolved -> closed."""

    INITIAL_STATE = "reported"
    STATES = [
        ("reported", "Reported"),
        ("triaged", "Triaged"),
        ("assigned", "Assigned"),
        ("in_progress", "In progress"),
        ("case_review", "ASB case review"),
        ("resolved", "Resolved"),
        ("closed", "Closed"),
        ("no_further_action", "No further action"),
    ]
    # Target states that answer the referrer's "was my referral taken up?" (their inbox
    # hears of them): accepted (triaged, assigned), declined (no further action) or closed.
    ANSWERS_REFERRER = frozenset({"triaged", "assigned", "no_further_action", "closed"})

    class Meta:
        proxy = True

    @transition(field="state", source="reported", target="triaged", permission=ASB_LEAD)
    def triage(self, ctx: TransitionContext) -> None:
        if "risk" in ctx.data:
            self.risk = ctx.data["risk"]

    @transition(field="state", source="triaged", target="assigned", permission=ASB_LEAD)
    def assign(self, ctx: TransitionContext) -> None:
        if ctx.data.get("agency") is not None:
            self.responsible_agency = ctx.data["agency"]
        self.assigned_officer = ctx.data.get("officer")

    @transition(field="state", source="assigned", target="in_progress", permission=ASB_WORKER)
    def start_work(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state",
        source=["triaged", "assigned", "in_progress"],
        target="case_review",
        conditions=[case_review_threshold_met],
        permission=ASB_LEAD,
    )
    def request_case_review(self, ctx: TransitionContext) -> None:
        pass

    @transition(field="state", source="case_review", target="in_progress", permission=ASB_LEAD)
    def complete_case_review(self, ctx: TransitionContext) -> None:
        pass

    @transition(field="state", source="in_progress", target="resolved", permission=ASB_WORKER)
    def resolve(self, ctx: TransitionContext) -> None:
        pass

    @transition(field="state", source="resolved", target="in_progress", permission=ASB_LEAD)
    def reopen(self, ctx: TransitionContext) -> None:
        self.closed_at = None

    @transition(field="state", source="resolved", target="closed", permission=ASB_LEAD)
    def close(self, ctx: TransitionContext) -> None:
        _close(self, ctx)

    @transition(
        field="state",
        source=["reported", "triaged"],
        target="no_further_action",
        permission=ASB_LEAD,
    )
    def no_further_action(self, ctx: TransitionContext) -> None:
        _close(self, ctx)


class VawgCase(Case):
    """VAWG: reported -> risk_assessed -> MARAC (high risk) or support (standard/medium)."""

    INITIAL_STATE = "reported"
    STATES = [
        ("reported", "Reported"),
        ("risk_assessed", "Risk assessed"),
        ("marac_referred", "Referred to MARAC"),
        ("marac_heard", "Heard at MARAC"),
        ("support_offered", "Support offered"),
        ("support_declined", "Support declined"),
        ("safety_plan_active", "Safety plan active"),
        ("closed", "Closed"),
    ]
    ANSWERS_REFERRER = frozenset({"risk_assessed", "closed"})  # accepted, or closed

    class Meta:
        proxy = True

    @transition(field="state", source="reported", target="risk_assessed", permission=SAFEGUARDING)
    def assess_risk(self, ctx: TransitionContext) -> None:
        self.risk = ctx.data["risk"]

    @transition(field="state", source=VAWG_OPEN_AFTER_REPORT, target=None, permission=SAFEGUARDING)
    def reassess_risk(self, ctx: TransitionContext) -> None:
        """A new DASH assessment; the state stays. The risk never falls by it: see
        transition_data (a lower level is a manager's explicit downgrade)."""
        self.risk = ctx.data["risk"]

    @transition(
        field="state",
        source=["reported", *VAWG_OPEN_AFTER_REPORT],
        target="marac_referred",
        conditions=[marac_referable],
        permission=CASE_PARTNERS,
    )
    def refer_to_marac(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state", source="marac_referred", target="marac_heard", permission=SAFEGUARDING
    )
    def record_marac_hearing(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state",
        source="risk_assessed",
        target="support_offered",
        conditions=[is_not_high_risk],
        permission=SAFEGUARDING,
    )
    def offer_support(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state", source="support_offered", target="support_declined", permission=SAFEGUARDING
    )
    def record_support_declined(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state",
        source=["marac_heard", "support_offered"],
        target="safety_plan_active",
        permission=SAFEGUARDING,
    )
    def activate_safety_plan(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state",
        source=["safety_plan_active", "support_declined"],
        target="closed",
        permission=SAFEGUARDING,
    )
    def close(self, ctx: TransitionContext) -> None:
        _close(self, ctx)


class EarlyReleaseCase(Case):
    """Early release: notified -> pre_release_planning -> released -> supervision -> closed."""

    INITIAL_STATE = "notified"
    STATES = [
        ("notified", "Notified"),
        ("pre_release_planning", "Pre-release planning"),
        ("released", "Released"),
        ("supervision_active", "Supervision active"),
        ("recalled", "Recalled"),
        ("licence_ended", "Licence ended"),
        ("closed", "Closed"),
    ]
    ANSWERS_REFERRER = frozenset({"pre_release_planning", "closed"})  # accepted, or closed

    class Meta:
        proxy = True

    @transition(
        field="state", source="notified", target="pre_release_planning", permission=PROBATION
    )
    def start_planning(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state", source="pre_release_planning", target="released", permission=PROBATION
    )
    def record_release(self, ctx: TransitionContext) -> None:
        self.released_on = ctx.data["actual_release_date"]

    @transition(field="state", source="released", target="supervision_active", permission=PROBATION)
    def start_supervision(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state",
        source=["released", "supervision_active"],
        target="recalled",
        permission=PROBATION,
    )
    def recall(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state", source="supervision_active", target="licence_ended", permission=PROBATION
    )
    def end_licence(self, ctx: TransitionContext) -> None:
        pass

    @transition(
        field="state", source=["licence_ended", "recalled"], target="closed", permission=PROBATION
    )
    def close(self, ctx: TransitionContext) -> None:
        _close(self, ctx)


MACHINES: dict[str, type[AsbCase] | type[VawgCase] | type[EarlyReleaseCase]] = {
    CaseKind.ASB: AsbCase,
    CaseKind.VAWG: VawgCase,
    CaseKind.EARLY_RELEASE: EarlyReleaseCase,
}


def machine_for(kind: str) -> type[Case]:
    return MACHINES[kind]


def transition_names(kind: str) -> list[str]:
    machine = MACHINES[kind]
    field = machine._meta.get_field("state")
    return sorted({t.name for t in field.get_all_transitions(machine)})


def answers_referrer(kind: str, state: str) -> bool:
    """Whether a case of ``kind`` reaching ``state`` answers its referrers' question (the
    machine's ``ANSWERS_REFERRER``): said on the ``case.transitioned`` event, so that
    notifications, which may not import workflows, knows whom to tell without state names."""
    return state in MACHINES[kind].ANSWERS_REFERRER


def as_machine(case: Case) -> Any:
    """The same row, viewed through its kind's state machine."""
    case.__class__ = MACHINES[case.kind]
    return case

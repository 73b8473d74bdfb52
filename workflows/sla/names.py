"""The names an SLA policy may refer to: states, transitions and milestones of each kind.

A milestone is a recorded step that is not a state change (a risk review held, the first
contact made): it sits in the case's transition log and can meet a deadline. A personal
duty's report (the FGM report to the police) is a step of its own (workflows.actions.duty).
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import CaseKind
from partners.models import AgencyKind, Role
from workflows.machines import MACHINES, transition_names
from workflows.review.names import STEPS as CASE_REVIEW_STEPS

# The transition name case_set_risk writes to the log; a risk change is a risk review.
SET_RISK = "set_risk"

# The names a personal duty's record takes on the chain (workflows.actions.duty): a report
# to the police meets the duty's clocks (planning ends them by the duty's own status).
DUTY_NAMES: dict[str, tuple[str, ...]] = {CaseKind.VAWG: ("report_fgm_to_police",)}


@dataclass(frozen=True)
class Milestone:
    name: str
    label: str
    # Roles at the case's lead agency that may record it.
    roles: tuple[str, ...] = ()
    # The assigned officer may record it too.
    assignee: bool = False
    # Asked of an agency on the case, not the lead: ``roles`` are held at an agency of one of
    # these kinds linked to the case (lead, participant or referrer) instead.
    agency_kinds: tuple[str, ...] = ()
    # Offered only while case.details holds this key (the fact that asked for it).
    when_detail: str = ""


# Children (issue 13 item 3): the facts intake records and the milestones that answer them.
CHILD_SAFEGUARDING = "child_safeguarding"
PROTECTION_ORDER = "protection_order"
OPERATION_ENCOMPASS = "operation_encompass"
CHILD_SAFEGUARDING_DECIDED = "child_safeguarding_decided"
PROTECTION_ORDER_APPLIED = "protection_order_applied"
PROTECTION_ORDER_NOT_APPLIED = "protection_order_not_applied"
NOTIFY_SCHOOL = "notify_school"
# Children's social care decides (Working Together to Safeguard Children 2023) and applies
# for protection orders as the local authority (a relevant third party: FGM Act 2003 Sch 2
# para 2; Family Law Act 1996 s63C).
SOCIAL_CARE_DECIDERS = (Role.SAFEGUARDING_LEAD, Role.MANAGER)


MILESTONES: dict[str, dict[str, Milestone]] = {
    CaseKind.ASB: {
        "review_risk": Milestone(
            "review_risk",
            "Risk review held",
            roles=(Role.ASB_COORDINATOR, Role.MANAGER, Role.CASE_WORKER),
            assignee=True,
        ),
        "acknowledge_case_review": Milestone(
            "acknowledge_case_review",
            "ASB case review application acknowledged",
            roles=(Role.ASB_COORDINATOR, Role.MANAGER),
        ),
    },
    CaseKind.VAWG: {
        # Meets the first-contact clock every VAWG referral starts (workflows/sla/policies.py).
        "make_first_contact": Milestone(
            "make_first_contact",
            "First contact made with the victim",
            roles=(Role.SAFEGUARDING_LEAD, Role.MANAGER),
        ),
        # The MARAC referral deadline ends by a referral or by this decision, with reasons.
        "record_marac_decision": Milestone(
            "record_marac_decision",
            "MARAC decision recorded (not to refer)",
            roles=(Role.SAFEGUARDING_LEAD, Role.MANAGER),
        ),
        CHILD_SAFEGUARDING_DECIDED: Milestone(
            CHILD_SAFEGUARDING_DECIDED,
            "Children's social care decided what response is required",
            roles=SOCIAL_CARE_DECIDERS,
            agency_kinds=(AgencyKind.SOCIAL_CARE,),
            when_detail=CHILD_SAFEGUARDING,
        ),
        PROTECTION_ORDER_APPLIED: Milestone(
            PROTECTION_ORDER_APPLIED,
            "Protection order considered: applied for",
            roles=SOCIAL_CARE_DECIDERS,
            agency_kinds=(AgencyKind.SOCIAL_CARE,),
            when_detail=PROTECTION_ORDER,
        ),
        PROTECTION_ORDER_NOT_APPLIED: Milestone(
            PROTECTION_ORDER_NOT_APPLIED,
            "Protection order considered: not applied for (give the reason)",
            roles=SOCIAL_CARE_DECIDERS,
            agency_kinds=(AgencyKind.SOCIAL_CARE,),
            when_detail=PROTECTION_ORDER,
        ),
        # Operation Encompass is the police's duty (Victims and Prisoners Act 2024): any
        # working police role at the force on the case, the referring officer included.
        NOTIFY_SCHOOL: Milestone(
            NOTIFY_SCHOOL,
            "Operation Encompass: school notified",
            roles=(Role.OFFICER, Role.SAFEGUARDING_LEAD, Role.MANAGER),
            agency_kinds=(AgencyKind.POLICE,),
            when_detail=OPERATION_ENCOMPASS,
        ),
    },
    CaseKind.EARLY_RELEASE: {
        "complete_pre_release_plan": Milestone(
            "complete_pre_release_plan",
            "Pre-release plan complete",
            roles=(Role.PROBATION_PRACTITIONER, Role.MANAGER),
        ),
        "confirm_accommodation": Milestone(
            "confirm_accommodation",
            "Accommodation on release confirmed",
            roles=(Role.PROBATION_PRACTITIONER, Role.MANAGER),
        ),
    },
}


def state_names(kind: str) -> list[str]:
    return [name for name, _ in MACHINES[kind].STATES]


def meeting_names(kind: str) -> list[str]:
    """Everything that can meet a deadline on a case of ``kind``: its transitions and
    milestones, a personal duty's report, and for ASB the case review application's steps
    (workflows.review)."""
    review = CASE_REVIEW_STEPS if kind == CaseKind.ASB else frozenset()
    return sorted(
        {
            *transition_names(kind),
            SET_RISK,
            *MILESTONES.get(kind, {}),
            *DUTY_NAMES.get(kind, ()),
            *review,
        }
    )

"""The names an SLA policy may refer to: states, transitions and milestones of each kind.

A milestone is a recorded step that is not a state change (a risk review held, the FGM
report made to the police): it sits in the case's transition log and can meet a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import CaseKind
from partners.models import Role
from workflows.machines import MACHINES, transition_names
from workflows.review.names import STEPS as CASE_REVIEW_STEPS

# The transition name case_set_risk writes to the log; a risk change is a risk review.
SET_RISK = "set_risk"


@dataclass(frozen=True)
class Milestone:
    name: str
    label: str
    # Roles at the case's lead agency that may record it.
    roles: tuple[str, ...] = ()
    # The assigned officer may record it too.
    assignee: bool = False
    # A personal duty: only the user named in case.details[<this>]["owed_by"] may record it.
    owed_by_detail: str = ""


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
        "report_fgm_to_police": Milestone(
            "report_fgm_to_police",
            "FGM reported to the police",
            owed_by_detail="fgm_mandatory_report",
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
    milestones, and for ASB the case review application's steps (workflows.review)."""
    review = CASE_REVIEW_STEPS if kind == CaseKind.ASB else frozenset()
    return sorted({*transition_names(kind), SET_RISK, *MILESTONES.get(kind, {}), *review})

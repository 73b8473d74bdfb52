"""Tests of a case that decide whether a policy's clock starts (``SlaPolicy.condition``).

Asked once, when the clock would start: a clock that started keeps running whatever
changes later, until it is met or its trigger no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable

from cases.catalogue import category
from cases.models import Case, CaseKind
from workflows.models import SlaCondition, SlaPolicy

# The cases.catalogue group of FGM, forced marriage, honour-based abuse, virginity testing
# and hymenoplasty.
HARMFUL_PRACTICE = "harmful_practice"


def vawg_urgent_first_contact(case: Case) -> bool:
    """No risk assessment came with the referral, neither a DASH score nor a police DASH or
    DARA grading (nobody yet knows the risk), or the category is a harmful practice (the
    DASH does not measure its risk, and the victim may have one chance to be reached: HM
    Government, multi-agency statutory guidance on forced marriage, the "one chance" rule)."""
    assessed = "dash_score" in case.details or bool(case.details.get("tool_grading"))
    found = category(case.kind, case.category)
    return not assessed or (found is not None and found.group == HARMFUL_PRACTICE)


CONDITIONS: dict[str, Callable[[Case], bool]] = {
    SlaCondition.VAWG_URGENT_FIRST_CONTACT: vawg_urgent_first_contact,
    SlaCondition.VAWG_ROUTINE_FIRST_CONTACT: lambda case: not vawg_urgent_first_contact(case),
}
# The kind of case each test is about (SlaPolicy.clean refuses it on another kind).
CONDITION_KINDS: dict[str, str] = {
    SlaCondition.VAWG_URGENT_FIRST_CONTACT: CaseKind.VAWG,
    SlaCondition.VAWG_ROUTINE_FIRST_CONTACT: CaseKind.VAWG,
}


def condition_holds(policy: SlaPolicy, case: Case) -> bool:
    return not policy.condition or CONDITIONS[policy.condition](case)

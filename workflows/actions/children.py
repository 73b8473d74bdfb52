"""Children in VAWG cases (issue 13 item 3): the referral to children's social care, the
protection-order prompt and the Operation Encompass prompt, each a change on the case's
chain. Intake calls them inside its transaction; ``case_child_safeguarding_refer`` is also
for a victim's age or FGM learned later on an open case (the caller holds the case lock).
"""

from __future__ import annotations

from typing import Any

from cases.models import Case, CaseAgency, CaseAgencyRole, CaseKind
from partners.models import Agency, AgencyKind
from workflows.actions.unit import case_change
from workflows.sla.names import CHILD_SAFEGUARDING, OPERATION_ENCOMPASS, PROTECTION_ORDER

# Domestic Abuse Act 2021 s1(2)(a): domestic abuse is between people each aged 16 or over;
# abuse of a younger child is child protection (Children Act 1989 s47).
DOMESTIC_ABUSE_MIN_AGE = 16
# Children Act 1989 s105(1): a child is a person under 18.
CHILD_UNDER = 18

# The order each harmful practice calls for, when the victim is a child, with its source.
PROTECTION_ORDERS = {
    "fgm": (
        "fgm_protection_order",
        "FGM Protection Order (Female Genital Mutilation Act 2003 s5A and Schedule 2)",
    ),
    "forced_marriage": (
        "forced_marriage_protection_order",
        "Forced Marriage Protection Order (Family Law Act 1996 Part 4A)",
    ),
}

REFER_CHILD_SAFEGUARDING = "refer_child_safeguarding"
FLAG_OPERATION_ENCOMPASS = "flag_operation_encompass"


def child_protection_case(*, kind: str, victim_age: int | None) -> bool:
    """An under-16 victim of VAWG: a child-protection matter that children's social care
    leads (Domestic Abuse Act 2021 s1; Working Together to Safeguard Children 2023)."""
    return kind == CaseKind.VAWG and victim_age is not None and victim_age < DOMESTIC_ABUSE_MIN_AGE


def child_safeguarding_grounds(*, category: str, victim_age: int | None) -> list[str]:
    """Why children's social care must be told of a VAWG case: none for an adult victim."""
    if victim_age is None or victim_age >= CHILD_UNDER:
        return []
    grounds = ["under_16" if victim_age < DOMESTIC_ABUSE_MIN_AGE else "aged_16_or_17"]
    if category in PROTECTION_ORDERS:
        grounds.append(category)  # FGM or forced marriage of a child is child abuse
    return grounds


def _agency_of_kind(case: Case, kind: str, *, prefer: Agency | None = None) -> Agency | None:
    """The agency of ``kind`` already on the case, else ``prefer`` (if of that kind), else
    the first active one (the demo and most partnerships have one of each)."""
    link = (
        CaseAgency.objects.filter(case_id=case.pk, agency__kind=kind, agency__is_active=True)
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    if link is not None:
        return link.agency
    if prefer is not None and prefer.kind == kind and prefer.is_active:
        return prefer
    return Agency.objects.filter(kind=kind, is_active=True).order_by("id").first()


def _take_part(case: Case, agency: Agency, *, now: Any) -> bool:
    """Link ``agency`` to the case as a participant (the lead needs no second link)."""
    if agency.pk == case.responsible_agency_id:
        return False
    _, created = CaseAgency.objects.get_or_create(
        case=case, agency=agency, role=CaseAgencyRole.PARTICIPANT, defaults={"added_at": now}
    )
    return created


def case_child_safeguarding_refer(
    *,
    case: Case,
    victim_age: int | None,
    by: Any,
    agency: Agency,
    now: Any,
    practice: str = "",
) -> list[str]:
    """Refer a VAWG case whose victim is under 18 to children's social care: it joins the
    case (or leads it, for an under-16, as routed), and the police join an under-16's case.
    The change starts the children's-social-care decision clock; FGM or forced marriage of
    a child also asks for a protection order to be considered. Returns the grounds (none
    for an adult or an unknown age, and nothing is written). Calling it again adds only
    grounds not yet recorded. ``practice``: a harmful practice found on a case of another
    category (FGM discovered on a domestic-abuse case), whose order is asked for too."""
    practice = practice or case.category
    grounds = child_safeguarding_grounds(category=practice, victim_age=victim_age)
    if case.kind != CaseKind.VAWG or not grounds:
        return []
    assert victim_age is not None
    with case_change(
        case=case,
        by=by,
        agency=agency,
        now=now,
        name=REFER_CHILD_SAFEGUARDING,
        reason="The victim is a child (under 18, Children Act 1989 s105): referred to "
        "children's social care (Working Together to Safeguard Children 2023)",
    ) as change:
        before = case.details.get(CHILD_SAFEGUARDING) or {}
        social_care = _agency_of_kind(case, AgencyKind.SOCIAL_CARE)
        linked = social_care is not None and _take_part(case, social_care, now=now)
        if "under_16" in grounds:
            police = _agency_of_kind(case, AgencyKind.POLICE, prefer=agency)
            # Child protection is children's social care's and the police's (Children Act
            # 1989 s47; Working Together 2023): the police see the case as a participant.
            linked = (police is not None and _take_part(case, police, now=now)) or linked
        known = list(before.get("grounds", []))
        new = [g for g in grounds if g not in known]
        if not new and not linked:
            change.nothing()
            return known
        details = {
            **case.details,
            CHILD_SAFEGUARDING: {
                "grounds": known + new,
                "victim_age": victim_age,
                "referred_at": before.get("referred_at", now.isoformat()),
                "agency": social_care.code if social_care else None,
            },
        }
        order = PROTECTION_ORDERS.get(practice)
        if order and practice in new:
            details[PROTECTION_ORDER] = {"order": order[0], "basis": order[1]}
        case.details = details
        change.changed("details")
        change.log_data = {"grounds": new, "agency": social_care.code if social_care else None}
        change.emit(type="case.child_safeguarding_referred", data={"grounds": ",".join(new)})
    return known + new


def case_operation_encompass_flag(
    *, case: Case, children: int | None, by: Any, agency: Agency, now: Any
) -> None:
    """A police referral of domestic abuse with children in the household: the police tell
    the children's schools before the next school day (Operation Encompass; a statutory
    police duty under the Victims and Prisoners Act 2024). Starts the police's clock."""
    if case.details.get(OPERATION_ENCOMPASS):
        return
    with case_change(
        case=case,
        by=by,
        agency=agency,
        now=now,
        name=FLAG_OPERATION_ENCOMPASS,
        reason="Domestic abuse reported by the police with children in the household: "
        "notify the children's schools before the next school day (Operation Encompass, "
        "Victims and Prisoners Act 2024)",
    ) as change:
        case.details = {
            **case.details,
            OPERATION_ENCOMPASS: {
                "police": agency.code,
                "children": children,
                "flagged_at": now.isoformat(),
            },
        }
        change.changed("details")
        change.log_data = {"police": agency.code}
        change.emit(type="case.operation_encompass", data={})

"""The FGM mandatory reporting duty: when a referral records it, and for whom.

FGM Act 2003 s5B (in force 31 Oct 2015): a person who works in a regulated profession in
England and Wales (a healthcare professional, a teacher, a social worker or social care
worker) and who learns, in the course of that work, of FGM carried out on a girl under 18
(she discloses it, or they see it) must report it to the police. The duty is personal:
it cannot be handed to a colleague or a safeguarding lead, and it does not end when the
case closes. Suspected FGM, and FGM in adults, go through local safeguarding instead.

The service does not know people's professions, so it goes by the agency the referral is
raised for: staff raising for a health, education or social-care agency are taken to be
under the duty. Police officers are the ones such reports are made to; victim services,
housing, probation, fire and the council's other teams (ASB, licensing) are not regulated
professions under s5B. Their referral still goes ahead, to the VAWG lead for safeguarding,
and records no personal duty.
"""

from __future__ import annotations

from partners.models import AgencyKind
from referrals.models import Referral
from referrals.validation import CleanReferral

FGM_DUTY = "fgm_mandatory_report"
FGM_DUTY_BASIS = "FGM Act 2003 s5B: known FGM in a girl under 18 must be reported to the police"
# Kinds of agency whose staff are under the duty.
FGM_DUTY_AGENCY_KINDS = frozenset({AgencyKind.HEALTH, AgencyKind.EDUCATION, AgencyKind.SOCIAL_CARE})


def fgm_known_in_a_girl(clean: CleanReferral) -> bool:
    """Known (disclosed or seen, not suspected) FGM in a victim under 18."""
    age = clean.details.get("victim_age")
    return (
        clean.category == "fgm"
        and bool(clean.details.get("fgm_known"))
        and age is not None
        and age < 18
    )


def fgm_duty_owed(clean: CleanReferral, *, agency_kind: str) -> bool:
    """Does raising ``clean`` for an agency of ``agency_kind`` put its referrer under the
    personal duty to report to the police? (``referral_raise`` records it when so.)"""
    return fgm_known_in_a_girl(clean) and agency_kind in FGM_DUTY_AGENCY_KINDS


def personal_duties_recorded(referral: Referral) -> list[str]:
    """The personal duties raising ``referral`` put on the person who raised it."""
    duty = referral.case.details.get(FGM_DUTY)
    if isinstance(duty, dict) and duty.get("referral") == referral.reference:
        return [FGM_DUTY]
    return []

"""The personal duties a referral puts on the person raising it (the rule of who owes the
FGM report, and from when, is ``cases.duties``)."""

from __future__ import annotations

from datetime import date

from cases.duties import fgm_duty_profession
from cases.models import PersonalDuty
from referrals.models import Referral
from referrals.validation import CleanReferral
from workflows.actions.duty import FgmDiscovery
from workflows.selectors import duty_last_day


def fgm_discovery(clean: CleanReferral) -> FgmDiscovery | None:
    """The FGM discovery ``clean`` reports: known FGM with its date and manner of discovery
    (the validator requires both), and her age then; None when it reports none."""
    d = clean.details
    if clean.category != "fgm" or not d.get("fgm_known") or not d.get("fgm_discovered_on"):
        return None
    return FgmDiscovery(
        discovered_on=date.fromisoformat(d["fgm_discovered_on"]),
        how=d["fgm_discovered_how"],
        known=True,
        age_at_discovery=d.get("fgm_age_at_discovery"),
    )


def personal_duties_recorded(referral: Referral) -> list[str]:
    """The personal duties raising ``referral`` put on the person who raised it."""
    return sorted(
        set(
            PersonalDuty.objects.filter(
                case_id=referral.case_id, referral=referral.reference, owed_by=referral.raised_by_id
            ).values_list("duty", flat=True)
        )
    )


def fgm_known_in_a_girl(clean: CleanReferral) -> bool:
    """Known FGM in a girl who was under 18 when the referrer discovered it."""
    discovery = fgm_discovery(clean)
    return discovery is not None and (discovery.age_at_discovery or 0) < 18


def fgm_duty_owed(clean: CleanReferral, *, agency_kind: str) -> bool:
    """Does raising ``clean`` for an agency of ``agency_kind`` put its referrer under the
    personal duty to report to the police? (``referral_raise`` records it when so.)"""
    discovery = fgm_discovery(clean)
    return (
        discovery is not None
        and fgm_duty_profession(
            known=True, age_at_discovery=discovery.age_at_discovery, agency_kind=agency_kind
        )
        is not None
    )


def fgm_report_last_day(discovered_on: date) -> date:
    """The last London day to report FGM discovered on ``discovered_on`` (before any duty
    is recorded: the referral's check page)."""
    return duty_last_day(PersonalDuty(discovered_on=discovered_on))

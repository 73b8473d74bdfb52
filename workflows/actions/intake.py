"""The facts intake records about a case it opened or joined, each a change on the case's
chain inside the intake's own transaction (the caller holds the case row lock)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cases.models import Case, CaseAgency, CaseAgencyRole, CaseReferrer
from partners.models import Agency
from workflows.actions.unit import case_change


def case_join_record(
    *,
    case: Case,
    referral_reference: str,
    by: Any,
    agency: Agency,
    now: Any,
    raised: dict[str, Any],
) -> None:
    """A referral joined an open case the referrer confirmed as the same matter: the case
    changes no state, but its chain says who added it, for which agency, when, and why.
    ``raised``: the data of the ``referral.raised`` event, the change's one event."""
    with case_change(
        case=case,
        by=by,
        agency=agency,
        now=now,
        name="referral_joined",
        reason=f"Referral {referral_reference} raised by {agency.name} added to this case "
        "as a possible duplicate the referrer confirmed",
    ) as change:
        CaseAgency.objects.get_or_create(
            case=case,
            agency=agency,
            role=CaseAgencyRole.LEAD
            if agency.pk == case.responsible_agency_id
            else CaseAgencyRole.REFERRER,
            defaults={"added_at": now},
        )
        # The referrer follows the case as its opener does, whatever agency they are in later.
        CaseReferrer.objects.get_or_create(case=case, user=by, defaults={"added_at": now})
        # The case gained a referral and perhaps an agency: its row changes only in
        # version and updated_at, which the unit of work sets.
        change.changed("updated_at")
        change.log_data = {"referral": referral_reference}
        change.emit(type="referral.raised", data=raised)


def case_review_flag(*, case: Case, reports: int, by: Any, agency: Agency, now: Any) -> None:
    """The ASB case review threshold may be met (ASB, Crime and Policing Act 2014 s104): a
    prompt to the lead agency that an application can be recorded, not the review."""
    with case_change(
        case=case,
        by=by,
        agency=agency,
        now=now,
        name="flag_case_review",
        reason=f"{reports} qualifying reports of separate incidents about the same victim or "
        f"place within {settings.CASE_REVIEW_WINDOW_DAYS} days: the case review threshold may "
        "be met; an application for a case review can be recorded",
    ) as change:
        case.case_review_flagged_at = now
        change.changed("case_review_flagged_at")
        change.log_data = {"reports": reports}
        change.emit(type="case.review_threshold_met", data={"reports": reports})


def case_marac_repeat_flag(
    *, case: Case, last_referral_at: Any, last_case: str, by: Any, agency: Agency, now: Any
) -> None:
    """A new incident between a victim and perpetrator referred to MARAC in the last 12
    months: a repeat, to be referred again whatever the risk (SafeLives). The flag admits
    ``refer_to_marac`` and starts the repeat referral's clock."""
    with case_change(
        case=case,
        by=by,
        agency=agency,
        now=now,
        name="flag_marac_repeat",
        # The other case is named in the case's details only, read in full by its members.
        reason="A further incident within 12 months of a MARAC referral about the same "
        "victim and perpetrator (SafeLives repeat MARAC definition)",
    ) as change:
        case.details = {
            **case.details,
            "marac_repeat": {
                "last_referral_at": last_referral_at.isoformat(),
                "case": last_case,
                "flagged_at": now.isoformat(),
            },
        }
        change.changed("details")
        change.log_data = {"last_referral_at": last_referral_at.isoformat()}
        change.emit(type="case.marac_repeat", data={})

"""Intake: a referral, its people and its case are written together or not at all."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.access import RAISE_REFUSED, referring_agencies
from cases.audit import acting_as
from cases.catalogue import category
from cases.models import REFERENCE_PREFIX, Case, CaseKind, Subject, SubjectRole, SupportNeed
from partners.models import Agency, AgencyKind
from partners.selectors import user_memberships
from referrals.duties import fgm_discovery
from referrals.models import Referral
from referrals.selectors import case_review_assessment, route_referral
from referrals.validation import CleanReferral, ReferralInvalid, normalise_key
from web.locks import advisory_xact_lock
from workflows.actions import (
    case_child_safeguarding_refer,
    case_join_record,
    case_marac_repeat_flag,
    case_open,
    case_operation_encompass_flag,
    case_personal_duty_record,
    case_review_flag,
)
from workflows.references import references_reserve
from workflows.selectors import marac_repeat_of

REFERRAL_PREFIX = "REF"
# The cases.catalogue group of domestic abuse: what Operation Encompass is about.
DOMESTIC_GROUP = "domestic"
# The same referral from the same person within this long is a double submission (a double
# click, a client's blind retry), not a second report: the first one is the answer.
RESUBMISSION_WINDOW = timedelta(minutes=10)


class ReferralAlreadySent(Exception):
    """This referral was sent a moment ago; ``referral`` is the one it made."""

    def __init__(self, referral: Referral) -> None:
        super().__init__(f"This referral was already sent as {referral.reference}.")
        self.referral = referral


def submission_fingerprint(clean: CleanReferral, *, raised_by: Any) -> str:
    """A digest of everything the person sent: two submissions with the same one are the
    same referral."""
    sent = {
        "by": raised_by.pk,
        "kind": clean.kind,
        "category": clean.category,
        "summary": clean.summary,
        "occurred_at": clean.occurred_at,
        "ward": clean.ward.code,
        "location": normalise_key(clean.location_text),
        "postcode": clean.postcode,
        "subjects": [(s.role, normalise_key(s.full_name)) for s in clean.subjects],
        "details": clean.details,
        "join_case": clean.join_case,
    }
    text = json.dumps(sent, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def referral_raise(
    *, clean: CleanReferral, raised_by: Any, raising_agency: Agency | None = None
) -> Referral:
    """Record a referral and open its case, or join the open case the user confirmed.

    ``raising_agency`` defaults to the first agency where ``raised_by`` holds a working role
    (``cases.access.referring_agencies``); an auditor's membership never raises one.

    The references (the referral's, and the case's if it opens one) are reserved first, in
    a transaction of their own, so that concurrent referrals do not queue on the reference
    counters for the length of their whole transaction; a referral that then fails leaves
    its references unused.
    """
    now = timezone.now()
    agency = _raising_agency(raised_by, raising_agency)
    fingerprint = submission_fingerprint(clean, raised_by=raised_by)
    _refuse_resubmission(fingerprint, raised_by=raised_by, now=now)
    prefixes, lead = [REFERRAL_PREFIX], None
    if clean.join_case is None:
        # Routed before the references are reserved: a referral nobody can receive is the
        # likeliest failure, and it should cost no reference.
        lead = route_referral(
            kind=clean.kind,
            category=clean.category,
            ward=clean.ward,
            victim_age=clean.details.get("victim_age"),
        )
        if lead is None:
            raise ReferralInvalid({"category": "No agency is set up to receive this referral."})
        prefixes.append(REFERENCE_PREFIX[CaseKind(clean.kind)])
    references = references_reserve(prefixes=prefixes, now=now)
    return _referral_record(
        clean=clean,
        raised_by=raised_by,
        agency=agency,
        lead=lead,
        now=now,
        references=references,
        fingerprint=fingerprint,
    )


def _refuse_resubmission(fingerprint: str, *, raised_by: Any, now: Any) -> None:
    earlier = (
        Referral.objects.filter(
            raised_by=raised_by,
            fingerprint=fingerprint,
            created_at__gte=now - RESUBMISSION_WINDOW,
        )
        .order_by("created_at")
        .first()
    )
    if earlier is not None:
        raise ReferralAlreadySent(earlier)


@transaction.atomic(durable=True)
def _referral_record(
    *,
    clean: CleanReferral,
    raised_by: Any,
    agency: Agency,
    lead: Agency | None,
    now: Any,
    references: dict[str, str],
    fingerprint: str,
) -> Referral:
    # Identical submissions racing each other queue here, and each finds the first one's
    # row once it commits.
    advisory_xact_lock(f"referrals.submission:{fingerprint}")
    _refuse_resubmission(fingerprint, raised_by=raised_by, now=now)
    # The case's one event for this referral: it opened the case or joined it.
    raised = {
        "referral": references[REFERRAL_PREFIX],
        "category": clean.category,
        "joined_existing_case": clean.join_case is not None,
    }
    with acting_as(raised_by):
        case = _case_for(
            clean=clean,
            raised_by=raised_by,
            agency=agency,
            now=now,
            lead=lead,
            reference=references.get(REFERENCE_PREFIX[CaseKind(clean.kind)]),
            raised=raised,
        )
        subjects = [
            Subject.objects.create(
                case=case,
                role=s.role,
                full_name=s.full_name,
                name_key=normalise_key(s.full_name),
                date_of_birth=s.date_of_birth,
                age=s.age,
                identifiers=s.identifiers,
                safe_contact=s.safe_contact,
                school=s.school,
                withhold_from_other_party=s.do_not_disclose,
                recorded_by_agency=agency,
                created_at=now,
            )
            for s in clean.subjects
        ]
        for need in clean.needs:
            SupportNeed.objects.update_or_create(
                case=case,
                need=need["need"],
                defaults={
                    "status": need["status"],
                    "agency": need["agency"],
                    "notes": need["notes"],
                    "updated_at": now,
                },
            )
        referral = Referral.objects.create(
            reference=references[REFERRAL_PREFIX],
            kind=clean.kind,
            category=clean.category,
            summary=clean.summary,
            occurred_at=clean.occurred_at,
            reported_at=clean.reported_at,
            raised_by=raised_by,
            raising_agency=agency,
            ward=clean.ward,
            location_text=clean.location_text,
            location_key=normalise_key(clean.location_text),
            postcode=clean.postcode,
            latitude=clean.latitude,
            longitude=clean.longitude,
            details=_referral_details(clean),
            case=case,
            created_at=now,
            fingerprint=fingerprint,
        )
        referral.subjects.set(subjects)
        if (discovery := fgm_discovery(clean)) is not None:
            # The duty is personal to the professional who discovered the FGM: it names them.
            case_personal_duty_record(
                case=case,
                discovery=discovery,
                referral_reference=referral.reference,
                by=raised_by,
                agency=agency,
                now=now,
            )
        if clean.kind == CaseKind.ASB:
            _check_case_review(case=case, clean=clean, by=raised_by, agency=agency, now=now)
        if clean.kind == CaseKind.VAWG:
            _check_marac_repeat(case=case, subjects=subjects, by=raised_by, agency=agency, now=now)
            _check_children(case=case, clean=clean, by=raised_by, agency=agency, now=now)
    return referral


def _raising_agency(user: Any, wanted: Agency | None) -> Agency:
    allowed = referring_agencies(user)
    if not allowed:
        if user_memberships(user):
            raise ReferralInvalid({"raised_by": RAISE_REFUSED})
        raise ReferralInvalid({"raised_by": "You must belong to an agency to raise a referral."})
    if wanted is None:
        return allowed[0]
    if wanted not in allowed:
        raise ReferralInvalid({"raised_by": f"You do not raise referrals for {wanted.name}."})
    return wanted


def _referral_details(clean: CleanReferral) -> dict[str, Any]:
    details = dict(clean.details)
    if clean.needs:
        details["needs"] = [
            {**n, "agency": n["agency"].code if n["agency"] else None} for n in clean.needs
        ]
    if clean.expected_release_date:
        details["expected_release_date"] = clean.expected_release_date.isoformat()
    return details


def _case_for(
    *,
    clean: CleanReferral,
    raised_by: Any,
    agency: Agency,
    now: Any,
    lead: Agency | None,
    reference: str | None,
    raised: dict[str, Any],
) -> Case:
    if clean.join_case is None:
        assert lead is not None  # routed by referral_raise
        return case_open(
            kind=clean.kind,
            category=clean.category,
            ward=clean.ward,
            responsible_agency=lead,
            opened_by=raised_by,
            opened_by_agency=agency,
            reason=f"Referral raised by {agency.name}",
            now=now,
            risk=clean.risk,
            location_text=clean.location_text,
            postcode=clean.postcode,
            latitude=clean.latitude,
            longitude=clean.longitude,
            details=clean.details,
            expected_release_date=clean.expected_release_date,
            reference=reference,
            raised=raised,
        )
    case = (
        Case.objects.for_user(raised_by)
        .open()
        .select_for_update()
        .filter(pk=clean.join_case, kind=clean.kind)
        .first()
    )
    if case is None:
        raise ReferralInvalid(
            {"join_case": "No open case of this kind that you can see has that id."}
        )
    case_join_record(
        case=case,
        referral_reference=raised["referral"],
        by=raised_by,
        agency=agency,
        now=now,
        raised=raised,
    )
    return case


def _check_marac_repeat(
    *, case: Case, subjects: list[Subject], by: Any, agency: Agency, now: Any
) -> None:
    """Flag a repeat: this incident between a victim and perpetrator referred to MARAC in
    the last 12 months (on this case, or on another matched by exact identifiers)."""
    last = marac_repeat_of(
        case=case,
        victims=[s for s in subjects if s.role == SubjectRole.VICTIM],
        perpetrators=[s for s in subjects if s.role == SubjectRole.PERPETRATOR],
        at=now,
    )
    if last is None:
        return
    case_marac_repeat_flag(
        case=case,
        last_referral_at=last.referred_at,
        last_case=last.case.reference,
        by=by,
        agency=agency,
        now=now,
    )


def _check_children(*, case: Case, clean: CleanReferral, by: Any, agency: Agency, now: Any) -> None:
    """A child victim is referred to children's social care; a police report of domestic
    abuse with children in the household asks the police to tell their schools."""
    case_child_safeguarding_refer(
        case=case, victim_age=clean.details.get("victim_age"), by=by, agency=agency, now=now
    )
    found = category(clean.kind, clean.category)
    if (
        agency.kind == AgencyKind.POLICE
        and found is not None
        and found.group == DOMESTIC_GROUP
        and clean.details.get("children_in_household")
    ):
        case_operation_encompass_flag(
            case=case,
            children=clean.details.get("children_count"),
            by=by,
            agency=agency,
            now=now,
        )


def _check_case_review(
    *, case: Case, clean: CleanReferral, by: Any, agency: Agency, now: Any
) -> None:
    """Prompt the lead agency when the reports about the case's victim or place may meet
    the case review threshold, counted as an application is (qualifying complaints, each
    incident once). A prompt, not the review: the review is application-led (s104), and an
    application is recorded on its own (``case_review_application_record``). The count
    takes in every agency's reports, so the prompt, its reason and its clock are for the
    agencies that lead or take part in the case, not for the referrer who set it off."""
    if case.case_review_flagged_at is not None:
        return
    assessment = case_review_assessment(clean=clean, until=max(clean.occurred_at, now))
    if not assessment.met:
        return
    case_review_flag(case=case, reports=assessment.counted, by=by, agency=agency, now=now)

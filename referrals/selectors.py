"""Reads for intake: routing, possible duplicates, the case-review threshold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.access import cases_visible, subjects_disclosed
from cases.models import Case, CaseKind, Subject, SubjectRole
from partners.models import Agency, AgencyKind, Ward
from referrals.models import Referral, RoutingRule
from referrals.validation import CleanReferral, normalise_key
from workflows.actions.children import child_protection_case
from workflows.review.threshold import Assessment, Complaint, assess

# Used only when no routing rule matches: the agency kind that leads each flow by default.
DEFAULT_LEAD_KIND = {
    CaseKind.ASB: AgencyKind.COUNCIL,
    CaseKind.VAWG: AgencyKind.VICTIM_SERVICES,
    CaseKind.EARLY_RELEASE: AgencyKind.PROBATION,
}


def case_referrals(*, case: Case, user: Any) -> QuerySet[Referral]:
    """The referrals that opened or joined ``case``, oldest first, with who raised them:
    none unless ``user`` sees the case in full (a summary is the referrer's narrative)."""
    if not cases_visible(user, full=True).filter(pk=case.pk).exists():
        return Referral.objects.none()
    return (
        Referral.objects.filter(case=case)
        .select_related("raised_by", "raising_agency")
        .order_by("created_at")
    )


# An under-16 victim of VAWG is a child-protection matter, not domestic abuse (Domestic
# Abuse Act 2021 s1): children's social care leads (Children Act 1989 s47; Working Together
# to Safeguard Children 2023), whatever the kind's routing rules say.
CHILD_PROTECTION_LEAD_KIND = AgencyKind.SOCIAL_CARE


def route_referral(
    *, kind: str, category: str, ward: Ward, victim_age: int | None = None
) -> Agency | None:
    """The responsible agency for a new case: the most specific active rule wins. For an
    under-16 VAWG victim, only rules naming a children's social care agency count, and
    without one the first active children's social care agency leads."""
    child_protection = child_protection_case(kind=kind, victim_age=victim_age)
    rules = RoutingRule.objects.filter(
        Q(category="") | Q(category=category),
        Q(ward__isnull=True) | Q(ward=ward),
        kind=kind,
        is_active=True,
        agency__is_active=True,
    ).select_related("agency")
    if child_protection:
        rules = rules.filter(agency__kind=CHILD_PROTECTION_LEAD_KIND)
    best = sorted(rules, key=lambda r: (-(bool(r.category) * 2 + bool(r.ward_id)), r.priority))
    if best:
        return best[0].agency
    lead_kind = (
        CHILD_PROTECTION_LEAD_KIND if child_protection else DEFAULT_LEAD_KIND[CaseKind(kind)]
    )
    return Agency.objects.filter(kind=lead_kind, is_active=True).order_by("id").first()


def possible_duplicates(
    *, clean: CleanReferral, people: QuerySet[Subject] | None = None
) -> QuerySet[Case]:
    """Open cases of the same kind about the same person or the same place. ``people``:
    the persons a name may match (every one when None)."""
    q = Q()
    names = {normalise_key(s.full_name) for s in clean.subjects if s.full_name}
    if names:
        named = Subject.objects.all() if people is None else people
        q |= Q(Exists(named.filter(case=OuterRef("pk"), name_key__in=names)))
    if clean.location_text:
        q |= Q(ward=clean.ward, referrals__location_key=normalise_key(clean.location_text))
    if clean.postcode:
        q |= Q(postcode=clean.postcode)
    if not q:
        return Case.objects.none()
    return Case.objects.open().filter(q, kind=clean.kind).distinct().order_by("-opened_at")


def case_review_assessment(*, clean: CleanReferral, until: datetime) -> Assessment:
    """The ASB reports about the same victim or place within the look-back window, each
    with whether it counts towards the case review threshold and why, by the rules an
    application is assessed by (``workflows.review.threshold``): a complaint made more
    than a month after the behaviour does not qualify, and one incident counts once."""
    since = until - timedelta(days=settings.CASE_REVIEW_WINDOW_DAYS)
    victims = {
        normalise_key(s.full_name)
        for s in clean.subjects
        if s.role in (SubjectRole.VICTIM, SubjectRole.COMPLAINANT) and s.full_name
    }
    q = Q()
    if victims:
        q |= Q(
            subjects__name_key__in=victims,
            subjects__role__in=[SubjectRole.VICTIM, SubjectRole.COMPLAINANT],
        )
    if clean.location_text:
        q |= Q(ward=clean.ward, location_key=normalise_key(clean.location_text))
    if not q:
        return assess([], at=until)
    found = (
        Referral.objects.filter(
            q, kind=CaseKind.ASB, occurred_at__gte=since, occurred_at__lte=until
        )
        .distinct()
        .select_related("raising_agency")
        .prefetch_related("subjects")
    )
    return assess([referral_complaint(r) for r in found], at=until)


def referral_complaint(referral: Referral, *, same_incident_as: str = "") -> Complaint:
    """A referral as a complaint to the threshold calculator: made when it was reported to
    the raising agency, about the behaviour when the incident happened, about its victims
    and complainants and its place."""
    people = {
        f"person:{s.name_key}"
        for s in referral.subjects.all()
        if s.role in (SubjectRole.VICTIM, SubjectRole.COMPLAINANT) and s.name_key
    }
    place = (
        {f"place:{referral.ward_id}:{referral.location_key}"} if referral.location_key else set()
    )
    return Complaint(
        key=referral.reference,
        body=referral.raising_agency.name,
        complained_on=timezone.localdate(referral.reported_at),
        behaviour_on=timezone.localdate(referral.occurred_at),
        behaviour_at=referral.occurred_at,
        category=referral.category,
        parties=frozenset(people | place),
        same_incident_as=same_incident_as,
    )


def referrals_recent(*, user: Any, limit: int = 10) -> QuerySet[Referral]:
    """The user's own latest referrals with their cases (reference and state are theirs to see)."""
    return (
        Referral.objects.filter(raised_by=user)
        .select_related("case", "ward")
        .order_by("-created_at")[:limit]
    )


def duplicates_visible(*, clean: CleanReferral, user: Any) -> QuerySet[Case]:
    """Possible duplicate open cases that the user sees in full (the API and the pages).

    Only in full: a match says that a case is about this name, place or postcode, which
    is more than a case's outline (reference and state) tells its VAWG referrer. A name
    matches only the people the user may see: otherwise the other party could find out
    who complained by trying names (``cases.access.subjects_disclosed``)."""
    return (
        possible_duplicates(clean=clean, people=subjects_disclosed(user))
        .filter(pk__in=cases_visible(user, full=True).values("pk"))
        .select_related("ward", "responsible_agency")
    )


def referrals_for_user(user: Any) -> QuerySet[Referral]:
    """Referrals the user may open: those they raised and those of cases they see in full."""
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    full_cases = Case.objects.for_user_full(user).values("pk")
    return Referral.objects.filter(Q(raised_by=user) | Q(case__in=full_cases))


def referrals_readable_in_full(user: Any, referrals: list[Referral]) -> set[int]:
    """Ids of the referrals the user may read in full. The raiser of a VAWG referral who
    does not see its case in full gets the outline only, as for the case itself."""
    full_cases = set(
        Case.objects.for_user_full(user)
        .filter(pk__in={r.case_id for r in referrals})
        .values_list("pk", flat=True)
    )
    return {
        r.pk
        for r in referrals
        if r.case_id in full_cases or (r.raised_by_id == user.pk and r.kind != CaseKind.VAWG)
    }

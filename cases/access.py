"""Need-to-know: who may see a case, and how much of it. The one gate every output asks.

Pages, the API, CSVs and reports ask it about a signed-in person; notifications ask it
about an agency (whose endpoints an event would go to), a person (their inbox), or the
``csp.events`` exchange (``EVENT_BUS``): ``visibility(case, to=...)`` for one case,
``cases_visible(to, full=...)`` for a queryset. Everything else here is built on those two,
and so is the rule for the people on a case marked "do not disclose to the other party"
(``people_disclosed``), which every page, API answer and export that shows a person asks.

The predicates agree with ``Case.objects.for_user()`` / ``for_user_full()`` by being
defined through the same querysets (tests check both directions).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.models import (
    MEMBER_ROLES,
    VAWG_FULL_ROLES,
    Case,
    CaseAgency,
    CaseKind,
    CaseQuerySet,
    Subject,
    SubjectRole,
)
from partners.models import Agency, AgencyKind, Role
from partners.selectors import user_agency_ids, user_has_role, user_memberships


class Visibility(Enum):
    NONE = "none"
    OUTLINE = "outline"  # reference and state only: a VAWG case's referrer
    FULL = "full"


class EventBus:
    """Whoever consumes the ``csp.events`` exchange: partner systems, none of them named,
    so it hears only of cases any partner may hear of (never a VAWG case)."""

    def __repr__(self) -> str:
        return "EVENT_BUS"


EVENT_BUS = EventBus()


def cases_visible(to: Any, *, full: bool = False) -> CaseQuerySet:
    """Cases ``to`` may see or hear of: in full (``full``), or at all (in outline or full).

    ``to`` is a user (pages, API, CSV, reports, their inbox), an ``Agency`` (its
    endpoints: email, webhooks, Notify; its deliveries list) or ``EVENT_BUS``.
    """
    if isinstance(to, EventBus):
        # The envelope has no personal data, but a VAWG reference, category or count on an
        # open exchange tells a stranger that someone is at risk.
        return Case.objects.exclude(kind="vawg")
    if isinstance(to, Agency):
        ids = {to.pk}
        return Case.objects.for_agencies_full(ids) if full else Case.objects.for_agencies(ids)
    return Case.objects.for_user_full(to) if full else Case.objects.for_user(to)


def visibility(case: Case, *, to: Any) -> Visibility:
    """How much of ``case`` ``to`` may see (see ``cases_visible`` for who ``to`` may be)."""
    if cases_visible(to, full=True).filter(pk=case.pk).exists():
        return Visibility.FULL
    if cases_visible(to).filter(pk=case.pk).exists():
        return Visibility.OUTLINE
    return Visibility.NONE


def case_visibility(user: Any, case: Case) -> Visibility:
    return visibility(case, to=user)


def sees_as_member(user: Any, case: Case) -> bool:
    """Whether ``user`` sees the case through a lead or participating agency (or as an
    auditor), not only as its referrer: the ASB case review flag counts *other* agencies'
    reports, so it is for them alone (``CaseQuerySet.for_member``)."""
    return Case.objects.for_member(user).filter(pk=case.pk).exists()


@rules.predicate
def can_view_case(user: Any, case: Case) -> bool:
    return case_visibility(user, case) is not Visibility.NONE


@rules.predicate
def can_view_case_in_full(user: Any, case: Case) -> bool:
    return case_visibility(user, case) is Visibility.FULL


@rules.predicate
def is_auditor(user: Any) -> bool:
    return user_has_role(user, Role.AUDITOR)


rules.add_perm("cases.view_case", can_view_case)
rules.add_perm("cases.view_case_full", can_view_case_in_full)


# --- Do not disclose to the other party ------------------------------------------------
# A complainant's or victim's identity must not reach the people they complain of, and an
# agency on the case may be on that side (the alleged perpetrator's landlord). A person so
# marked is shown in full only to the lead agency, the agency whose referral named them and
# the safeguarding team (victim services or children's social care taking part); everyone
# else who sees the case in full sees their role and WITHHELD.

WITHHELD = "Withheld (do not disclose to the other party)"


def withheld_by_default(kind: str, role: str) -> bool:
    """Intake marks the people on the reporting or harmed side: victims, complainants,
    witnesses and children, of every kind."""
    return role in (
        SubjectRole.VICTIM,
        SubjectRole.COMPLAINANT,
        SubjectRole.WITNESS,
        SubjectRole.CHILD,
    )


def always_withheld(kind: str, role: str) -> bool:
    """A VAWG victim is never disclosed to the other party: neither intake nor the lead
    agency may lift the marker (her safety depends on the perpetrator's side not knowing
    where she is or who is helping her)."""
    return kind == CaseKind.VAWG and role == SubjectRole.VICTIM


def _marked_people_open_to(agency_ids: set[int]) -> Q:
    safeguarding = CaseAgency.objects.filter(
        case=OuterRef("case"),
        agency_id__in=agency_ids,
        # The safeguarding teams: victim services, and children's social care (children
        # are on VAWG cases as victims in their own right, Domestic Abuse Act 2021 s3).
        agency__kind__in=(AgencyKind.VICTIM_SERVICES, AgencyKind.SOCIAL_CARE),
        role__in=MEMBER_ROLES,
    )
    return (
        Q(case__responsible_agency_id__in=agency_ids)
        | Q(recorded_by_agency_id__in=agency_ids)
        | Q(Exists(safeguarding))
    )


def subjects_disclosed(to: Any) -> QuerySet[Subject]:
    """The people whose details ``to`` may see: those of the cases ``to`` sees in full,
    less those marked do-not-disclose unless ``to`` is at the lead agency, the agency that
    recorded them or a victim-services or children's social care agency taking part (for a
    VAWG case, in a role that may see it), or is an auditor. Only people (pages, the API,
    exports) are ever told a person's details: an agency's endpoints and the exchange hear
    no names at all."""
    if isinstance(to, Agency | EventBus) or not getattr(to, "is_authenticated", False):
        return Subject.objects.none()
    if user_has_role(to, Role.AUDITOR):
        return Subject.objects.all()
    marked_open = (~Q(case__kind=CaseKind.VAWG) & _marked_people_open_to(user_agency_ids(to))) | (
        Q(case__kind=CaseKind.VAWG) & _marked_people_open_to(user_agency_ids(to, VAWG_FULL_ROLES))
    )
    return Subject.objects.filter(
        Q(withhold_from_other_party=False) | marked_open,
        case__in=cases_visible(to, full=True).values("pk"),
    )


def people_disclosed(people: Iterable[Subject], *, to: Any) -> set[int]:
    """Of ``people`` (about to be shown), the ids of those ``to`` may see in full. Every
    channel that shows a person asks this and shows the rest as their role and WITHHELD."""
    ids = {p.pk for p in people}
    if not ids:
        return set()
    return set(subjects_disclosed(to).filter(pk__in=ids).values_list("pk", flat=True))


# --- Role gates for the API and pages --------------------------------------------------
# Called as plain predicates, never through user.has_perm(): Django's ModelBackend answers
# True to every has_perm() of a superuser, and an admin account is not a casework role.


@rules.predicate
def is_manager(user: Any) -> bool:
    return user_has_role(user, Role.MANAGER)


# Why someone who belongs to an agency may still not raise a referral (pages, API, service).
RAISE_REFUSED = "Auditors read the record; raising referrals needs a working role in an agency."


def referring_agencies(user: Any) -> list[Agency]:
    """Agencies the user may raise referrals for, first membership first: those where they
    hold a working role. Auditors read everything and write nothing."""
    agencies: list[Agency] = []
    for m in user_memberships(user):
        if m.role != Role.AUDITOR and m.agency not in agencies:
            agencies.append(m.agency)
    return agencies


@rules.predicate
def can_raise_referrals(user: Any) -> bool:
    """The one rule for raising referrals: the API, the pages, the navigation and
    ``referral_raise`` itself all ask it."""
    return bool(referring_agencies(user))


can_read_audit_trail = is_manager | is_auditor
can_read_reports = is_manager | is_auditor


def audit_scope(user: Any) -> CaseQuerySet:
    """Cases whose audit entries the user may read: every case for an auditor; for a
    manager, the cases their agency leads or takes part in (VAWG included)."""
    if user_has_role(user, Role.AUDITOR):
        return Case.objects.all()
    agencies = user_agency_ids(user, [Role.MANAGER])
    linked = CaseAgency.objects.filter(
        case=OuterRef("pk"), agency_id__in=agencies, role__in=MEMBER_ROLES
    )
    return Case.objects.filter(Exists(linked))

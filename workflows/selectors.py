"""Reads of the workflows app used by several callers: SLA manager views, work queues, the
early-release tracker.

Callers scope by agency (``agency_ids``) according to who is asking, and pass the person
asking as ``seen_by`` wherever a row, a ward or a count could tell of a case: then only the
cases the need-to-know gate lets them see in full count (``cases.access.cases_visible``).
Months and dates are Europe/London.
"""

from __future__ import annotations

import sys
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Case as Case_
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils.dateparse import parse_datetime

from cases.access import cases_visible
from cases.models import (
    Case,
    CaseAgency,
    CaseAgencyRole,
    CaseKind,
    PersonalDuty,
    Subject,
    SubjectRole,
    SupportNeed,
)
from partners.models import Role
from partners.selectors import user_agency_ids, user_has_role, user_memberships
from workflows.calendar import LONDON
from workflows.machines import MACHINES, PERMISSION_SCOPES, as_machine
from workflows.models import (
    ACTIVE_DEADLINE_STATUSES,
    Deadline,
    DeadlineStatus,
    MaracReferral,
    TransitionLog,
)
from workflows.policy import MANAGING_ROLES, available_transitions
from workflows.review.names import STEPS as REVIEW_STEPS
from workflows.sla.clock import add_months, current_calendar
from workflows.sla.planning import duty_clock_from


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


# The ASB case review flag counts other agencies' reports about the same person or place,
# so it, its log entry, its event, its clock and its audit entry are shown only to those
# who see the case through their agency (cases.access.sees_as_member), never to a person
# who only referred it: otherwise anyone could test who else had been reported (issue 12).
# The same holds for a MARAC repeat, which another case's MARAC referral may have set.
# Their events are notifications' to hide (notifications.events.MEMBERS_ONLY_EVENT_TYPES).
# A case review application's steps are for those agencies too: a referrer who is not
# working on the case (the perpetrator's landlord, say) must not learn of it.
MEMBERS_ONLY_TRANSITIONS = frozenset({"flag_case_review", "flag_marac_repeat", *REVIEW_STEPS})
MEMBERS_ONLY_FIELDS = frozenset({"case_review_flagged_at"})


def members_only_deadlines() -> Q:
    """Deadlines whose clock a members-only fact started."""
    return Q(policy__trigger_event__in=MEMBERS_ONLY_TRANSITIONS)


def _seen_as_member(user: Any) -> Q:
    """Deadlines ``user`` may see whole: any not started by a members-only fact, and
    those of cases they see through their agency."""
    return ~members_only_deadlines() | Q(case__in=Case.objects.for_member(user).values("pk"))


def deadlines_seen_as_member(user: Any) -> Q:
    """The deadlines ``user`` may know of on a case they see (the case list's filters)."""
    return _seen_as_member(user)


def _seen(deadlines: QuerySet[Deadline], seen_by: Any) -> QuerySet[Deadline]:
    """The deadlines of cases ``seen_by`` may see in full; all of them for ``None`` (a
    caller with no person behind it: the scanner, the benchmarks)."""
    if seen_by is None:
        return deadlines
    return deadlines.filter(
        _seen_as_member(seen_by), case__in=cases_visible(seen_by, full=True).values("pk")
    )


def open_breaches(
    *,
    agency_ids: Iterable[int] | None = None,
    kind: str | None = None,
    ward_id: int | None = None,
    seen_by: Any = None,
) -> QuerySet[Deadline]:
    """Breached deadlines not yet met or cancelled, oldest breach first."""
    qs = _seen(Deadline.objects.filter(status=DeadlineStatus.BREACHED), seen_by)
    if agency_ids is not None:
        qs = qs.filter(responsible_agency_id__in=list(agency_ids))
    if kind:
        qs = qs.filter(case__kind=kind)
    if ward_id is not None:
        qs = qs.filter(case__ward_id=ward_id)
    return qs.select_related("case", "case__ward", "policy", "responsible_agency").order_by(
        "breached_at", "pk"
    )


@dataclass(frozen=True)
class BreachCount:
    agency_code: str
    agency_name: str
    kind: str
    ward_code: str
    ward_name: str
    count: int
    oldest_breached_at: datetime


def open_breach_counts(
    *, agency_ids: Iterable[int] | None = None, kind: str | None = None, seen_by: Any = None
) -> list[BreachCount]:
    """Open breaches counted by responsible agency, case kind and ward."""
    rows = (
        open_breaches(agency_ids=agency_ids, kind=kind, seen_by=seen_by)
        .order_by()
        .values(
            agency_code=F("responsible_agency__code"),
            agency_name=F("responsible_agency__name"),
            case_kind=F("case__kind"),
            ward_code=F("case__ward__code"),
            ward_name=F("case__ward__name"),
        )
        .annotate(count=Count("id"), oldest=Min("breached_at"))
        .order_by("agency_code", "case_kind", "ward_code")
    )
    return [
        BreachCount(
            agency_code=r["agency_code"],
            agency_name=r["agency_name"],
            kind=r["case_kind"],
            ward_code=r["ward_code"],
            ward_name=r["ward_name"],
            count=r["count"],
            oldest_breached_at=r["oldest"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class BreachRate:
    agency_code: str
    agency_name: str
    month: date  # the first of the month, Europe/London
    decided: int  # deadlines due in the month that were met or breached
    breached: int

    @property
    def rate(self) -> float:
        return self.breached / self.decided if self.decided else 0.0


def breach_rate_by_agency_month(
    *, since: date, until: date, agency_ids: Iterable[int] | None = None, seen_by: Any = None
) -> list[BreachRate]:
    """Per responsible agency and month of the due date: deadlines decided and breached.

    ``since`` and ``until`` are London dates, ``until`` exclusive. A deadline counts once
    its outcome is known: met (on time or late), breached, or cancelled after breaching.
    Deadlines cancelled before they fell due, and open ones, are left out.
    """
    decided = Q(status__in=[DeadlineStatus.MET, DeadlineStatus.BREACHED]) | Q(
        status=DeadlineStatus.CANCELLED, breached_at__isnull=False
    )
    qs = Deadline.objects.filter(
        decided, due_at__gte=_london_midnight(since), due_at__lt=_london_midnight(until)
    )
    qs = _seen(qs, seen_by)
    if agency_ids is not None:
        qs = qs.filter(responsible_agency_id__in=list(agency_ids))
    rows = (
        qs.annotate(month=TruncMonth("due_at", tzinfo=LONDON))
        .values(
            "month",
            agency_code=F("responsible_agency__code"),
            agency_name=F("responsible_agency__name"),
        )
        .annotate(decided=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False)))
        .order_by("agency_code", "month")
    )
    return [
        BreachRate(
            agency_code=r["agency_code"],
            agency_name=r["agency_name"],
            month=r["month"].astimezone(LONDON).date(),
            decided=r["decided"],
            breached=r["breached"],
        )
        for r in rows
    ]


# Who may open the early-release tracker: the probation practitioners it is for, and those
# who oversee casework. Each still sees only the cases ``for_user_full`` allows them.
RELEASE_TRACKER_ROLES = (Role.PROBATION_PRACTITIONER, Role.MANAGER, Role.AUDITOR)


def _actionable(user: Any) -> Q:
    """Cases in a state some transition leaves, where the user holds one of its roles at
    the responsible agency (or is the assigned officer, where that admits). A transition
    without a recorded scope admits every case in its source state: the state machine,
    asked afterwards about each case, has the last word."""
    roles_by_agency: dict[int, set[str]] = {}
    for membership in user_memberships(user):
        roles_by_agency.setdefault(membership.agency_id, set()).add(membership.role)
    q = Q(pk__in=[])
    for kind, machine in MACHINES.items():
        for t in machine._meta.get_field("state").get_all_transitions(machine):
            # No permission admits anyone (django-fsm's rule); a permission name or an
            # unrecorded callable admits anyone here, and the machine decides later.
            scope = PERMISSION_SCOPES.get(t.permission) if callable(t.permission) else None
            in_source = Q(kind=kind, state=t.source)
            if scope is None:
                q |= in_source
                continue
            agencies = [a for a, roles in roles_by_agency.items() if roles & scope.roles]
            who = Q(responsible_agency_id__in=agencies)
            if scope.case_agencies:
                who |= Q(
                    pk__in=CaseAgency.objects.filter(
                        agency_id__in=agencies,
                        role__in=[CaseAgencyRole.LEAD, CaseAgencyRole.PARTICIPANT],
                    ).values("case_id")
                )
            if scope.assignee:
                who |= Q(assigned_officer=user)
            q |= in_source & who
    return q


def _awaiting_candidates(user: Any) -> QuerySet[Case]:
    # In full only: an outline (a VAWG referrer's) admits no change, and its row would
    # show the case's ward.
    return (
        cases_visible(user, full=True)
        .open()
        .filter(_actionable(user))
        .select_related("ward", "responsible_agency")
        .order_by("updated_at", "pk")
    )


def cases_awaiting_action(*, user: Any, limit: int = 50) -> list[tuple[Case, list[str]]]:
    """Open cases the user can act on now, each with the transitions they may make, the
    longest untouched first; at most ``limit`` of them (``sys.maxsize``: all of them).

    The database narrows the cases to those in a state where the user's roles (or being
    the assigned officer) admit a transition (``_actionable``); the state machine then
    checks each, guards included.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[tuple[Case, list[str]]] = []
    for case in _awaiting_candidates(user).iterator(chunk_size=min(limit * 2, 500)):
        names = available_transitions(case=as_machine(case), user=user)
        if names:
            found.append((case, names))
            if len(found) >= limit:
                break
    return found


def cases_awaiting_action_ids(*, user: Any) -> list[int]:
    """Ids of every open case the user can act on now, in ``cases_awaiting_action``'s
    order."""
    return [case.pk for case, _ in cases_awaiting_action(user=user, limit=sys.maxsize)]


def can_use_release_tracker(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user_has_role(
        user, *RELEASE_TRACKER_ROLES
    )


@dataclass(frozen=True)
class ReleaseDue:
    case: Case
    offender: Subject | None
    needs: list[SupportNeed]
    first_appointment_due: date
    first_appointment_at: datetime | None = None


def first_appointments(case_ids: Iterable[int]) -> dict[int, datetime]:
    """The first probation appointment recorded when supervision started, by case id (the
    latest ``start_supervision`` that gave one; the transition log is where it is kept)."""
    found: dict[int, datetime] = {}
    rows = (
        TransitionLog.objects.filter(case_id__in=list(case_ids), transition="start_supervision")
        .order_by("case_id", "seq")
        .values_list("case_id", "data")
    )
    for case_id, data in rows:
        when = parse_datetime(str((data or {}).get("first_appointment_at") or ""))
        if when is not None:
            found[case_id] = when
    return found


def releases_due(*, user: Any, today: date, days: int) -> list[ReleaseDue]:
    """Open early-release cases the user sees in full, released within ``days`` of today.

    The first probation appointment is due on the day of release, or the next working day
    when release falls on a weekend or bank holiday (DOMAIN.md, "Early release").
    """
    until = today + timedelta(days=days)
    cases = (
        Case.objects.for_user_full(user)
        .open()
        .filter(kind=CaseKind.EARLY_RELEASE, expected_release_date__range=(today, until))
        .select_related("ward", "responsible_agency", "assigned_officer")
        .prefetch_related(
            Prefetch("needs", queryset=SupportNeed.objects.select_related("agency")),
            Prefetch("subjects", queryset=Subject.objects.filter(role=SubjectRole.OFFENDER)),
        )
        .order_by("expected_release_date", "reference")
    )
    calendar = current_calendar()
    appointments = first_appointments(c.pk for c in cases)
    rows = []
    for case in cases:
        release = case.expected_release_date
        assert release is not None  # filtered on its range above
        offenders = list(case.subjects.all())
        rows.append(
            ReleaseDue(
                case=case,
                offender=offenders[0] if offenders else None,
                needs=list(case.needs.all()),
                first_appointment_due=calendar.working_day_on_or_after(release),
                first_appointment_at=appointments.get(case.pk),
            )
        )
    return rows


# --- Deadlines as people see them: RAG status, need-to-know lists, the breaches report ----
# Shared by the API (workflows/api/) and the case and manager pages.


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


def deadline_rag(deadline: Deadline, *, now: datetime) -> Rag | None:
    """Red when breached or past due (before a scan records the breach), amber past the
    warning point, green before it; None for a met or cancelled deadline (no clock runs).

    A paused clock is judged at the moment it stopped: its due and warning times move on
    by the pause when it resumes, so time spent paused brings it no nearer.
    """
    if deadline.status == DeadlineStatus.BREACHED:
        return Rag.RED
    if deadline.status != DeadlineStatus.OPEN:
        return None
    at = deadline.paused_at or now
    if at >= deadline.due_at:
        return Rag.RED
    if at >= deadline.warn_at:
        return Rag.AMBER
    return Rag.GREEN


@dataclass(frozen=True)
class RatedDeadline:
    deadline: Deadline
    rag: Rag | None  # None once met or cancelled


def rate_deadlines(deadlines: Iterable[Deadline], *, now: datetime) -> list[RatedDeadline]:
    return [RatedDeadline(deadline=d, rag=deadline_rag(d, now=now)) for d in deadlines]


def _deadline_rows(qs: QuerySet[Deadline]) -> QuerySet[Deadline]:
    return qs.select_related("case", "policy", "responsible_agency", "responsible_user").order_by(
        "due_at", "pk"
    )


def case_running_deadlines(
    *, case_id: int, now: datetime, seen_by: Any = None
) -> list[RatedDeadline]:
    """The case's running deadlines (open, or breached and still unresolved), soonest due
    first, each with its RAG status at ``now``; those ``seen_by`` may see, if given."""
    qs = Deadline.objects.filter(case_id=case_id, status__in=ACTIVE_DEADLINE_STATUSES)
    if seen_by is not None:
        qs = qs.filter(_seen_as_member(seen_by))
    return rate_deadlines(_deadline_rows(qs), now=now)


def deadlines_visible_to(
    *,
    user: Any,
    status: str | None = None,
    agency_code: str | None = None,
    kind: str | None = None,
) -> QuerySet[Deadline]:
    """Deadlines of the cases ``user`` may see in full (every case for an auditor; for a
    manager, those their agency leads or takes part in), plus any personal duty the user
    owes on a case they see at all: its owner may see only the outline of the case (a VAWG
    referrer owing the FGM report) but must know when the duty falls due. Soonest due first.
    """
    if not getattr(user, "is_authenticated", False):
        return Deadline.objects.none()
    seen = Q(case__in=Case.objects.for_user_full(user).values("pk")) | Q(
        responsible_user=user, case__in=Case.objects.for_user(user).values("pk")
    )
    qs = Deadline.objects.filter(seen, _seen_as_member(user))
    if status:
        qs = qs.filter(status=status)
    if agency_code:
        qs = qs.filter(responsible_agency__code=agency_code)
    if kind:
        qs = qs.filter(case__kind=kind)
    return _deadline_rows(qs)


def deadline_visible_to(*, user: Any, case_id: int, deadline_id: int) -> Deadline | None:
    """One deadline of one case, if ``user`` may see it (see ``deadlines_visible_to``)."""
    return deadlines_visible_to(user=user).filter(case_id=case_id, pk=deadline_id).first()


def cases_filter_open_breach(cases: QuerySet[Case], *, breached: bool) -> QuerySet[Case]:
    """``cases`` with (``breached``) or without an unresolved breached deadline."""
    has_breach = Exists(
        Deadline.objects.filter(case=OuterRef("pk"), status=DeadlineStatus.BREACHED)
    )
    return cases.filter(has_breach) if breached else cases.exclude(has_breach)


@dataclass(frozen=True)
class SlaBreachRow:
    agency_code: str
    agency_name: str
    kind: str
    decided: int  # deadlines due in the window whose outcome is known
    breached: int  # of which breached (whatever happened next)
    met_late: int  # of the breached, met after their due time
    unresolved: int  # of the breached, still neither met nor cancelled

    @property
    def rate(self) -> float:
        return self.breached / self.decided if self.decided else 0.0


def sla_breaches_by_agency_and_kind(
    *,
    since: date | None,
    until: date | None,
    agency_ids: Iterable[int] | None = None,
    seen_by: Any = None,
) -> list[SlaBreachRow]:
    """Per responsible agency and case kind, deadlines due in [since, until) (London
    dates; None leaves that end open) that were decided, and how many of them breached.

    Decided as in ``breach_rate_by_agency_month``: met (on time or late), breached, or
    cancelled after breaching. A breach is recorded at the due time, so the window is by
    due date, the day each breach happened.
    """
    decided = Q(status__in=[DeadlineStatus.MET, DeadlineStatus.BREACHED]) | Q(
        status=DeadlineStatus.CANCELLED, breached_at__isnull=False
    )
    qs = _seen(Deadline.objects.filter(decided), seen_by)
    if since is not None:
        qs = qs.filter(due_at__gte=_london_midnight(since))
    if until is not None:
        qs = qs.filter(due_at__lt=_london_midnight(until))
    if agency_ids is not None:
        qs = qs.filter(responsible_agency_id__in=list(agency_ids))
    breached = Q(breached_at__isnull=False)
    rows = (
        qs.values(
            agency_code=F("responsible_agency__code"),
            agency_name=F("responsible_agency__name"),
            case_kind=F("case__kind"),
        )
        .annotate(
            decided=Count("id"),
            breached=Count("id", filter=breached),
            met_late=Count("id", filter=breached & Q(status=DeadlineStatus.MET)),
            unresolved=Count("id", filter=Q(status=DeadlineStatus.BREACHED)),
        )
        .order_by("agency_code", "case_kind")
    )
    return [
        SlaBreachRow(
            agency_code=r["agency_code"],
            agency_name=r["agency_name"],
            kind=r["case_kind"],
            decided=r["decided"],
            breached=r["breached"],
            met_late=r["met_late"],
            unresolved=r["unresolved"],
        )
        for r in rows
    ]


# --- Pages: deadlines on the home and case pages, what a person may do to a clock ---------
# Appended for the web pages (issue 7); the SLA services stay the authority on every write.

# How far ahead the home page looks for deadlines; breached ones are always shown.
DEADLINES_DUE_SOON = timedelta(days=7)


def deadlines_for_user_qs(
    *, user: Any, now: datetime, within: timedelta = DEADLINES_DUE_SOON
) -> QuerySet[Deadline]:
    """Active deadlines the user answers for, due within ``within`` of now (breached ones
    whenever they fell due): breached and overdue first, the latest to fall due first
    (today's breaches before last month's), then the rest soonest due first.

    Answering for one means owing it personally, being the case's assigned officer, or
    holding a working role (not auditor) at the responsible agency. The case must be one
    the user sees in full, unless the deadline is their own personal duty (the referrer of
    a VAWG case who owes the FGM report sees only its outline, and still owes the report).
    """
    if not getattr(user, "is_authenticated", False):
        return Deadline.objects.none()
    mine = (
        Q(responsible_user=user)
        | Q(case__assigned_officer=user)
        | Q(responsible_agency_id__in=user_agency_ids(user, MANAGING_ROLES))
    )
    past_due = Q(status=DeadlineStatus.BREACHED) | Q(due_at__lte=now)
    return (
        Deadline.objects.filter(mine, status__in=ACTIVE_DEADLINE_STATUSES)
        .filter(Q(status=DeadlineStatus.BREACHED) | Q(due_at__lte=now + within))
        .filter(
            Q(responsible_user=user, case__in=Case.objects.for_user(user).values("pk"))
            | Q(case__in=Case.objects.for_user_full(user).values("pk"))
        )
        .filter(_seen_as_member(user))
        .select_related("case", "case__ward", "policy", "responsible_agency", "responsible_user")
        .annotate(
            past_due=Case_(
                When(past_due, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            past_key=Case_(When(past_due, then=F("due_at")), default=None),
        )
        .order_by("past_due", F("past_key").desc(nulls_last=True), "due_at", "pk")
    )


def deadlines_for_user(
    *, user: Any, now: datetime, within: timedelta = DEADLINES_DUE_SOON, limit: int = 20
) -> list[Deadline]:
    """The first ``limit`` of ``deadlines_for_user_qs``."""
    return list(deadlines_for_user_qs(user=user, now=now, within=within)[:limit])


def deadline_display_status(deadline: Deadline, *, now: datetime) -> str:
    """For the pages: ``red`` (breached or past due), ``amber`` (past its warning point),
    ``green``, or ``paused`` (the clock is stopped); ``met`` and ``cancelled`` once over.
    (The API's three-colour ``deadline_rag`` judges a paused clock where it stopped.)"""
    if deadline.status in (DeadlineStatus.MET, DeadlineStatus.CANCELLED):
        return str(deadline.status)
    if deadline.paused_at is not None:
        return "paused"
    if deadline.status == DeadlineStatus.BREACHED or deadline.due_at <= now:
        return "red"
    if deadline.warn_at <= now:
        return "amber"
    return "green"


# --- MARAC repeats ------------------------------------------------------------------------

# SafeLives: a repeat is any instance of abuse between the same victim and perpetrator
# within 12 months of the last MARAC referral; it is referred again whatever the risk.
MARAC_REPEAT_MONTHS = 12


def months_before(when: datetime, months: int) -> datetime:
    """The same instant ``months`` calendar months earlier (29 February to the 28th)."""
    year, month = divmod(when.year * 12 + when.month - 1 - months, 12)
    day = min(when.day, monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def _shares_an_identifier(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return any(value and b.get(key) == value for key, value in a.items())


def marac_repeat_of(
    *, case: Case, victims: list[Subject], perpetrators: list[Subject], at: datetime
) -> MaracReferral | None:
    """The last MARAC referral, within 12 months of ``at``, that makes a new incident on
    ``case`` a repeat: one on the case itself, or on another VAWG case whose victim and
    perpetrator share an exact identifier (PNC id, NHS number...) with this incident's.
    Names alone never match: a false repeat would put a stranger's case before MARAC."""
    recent = MaracReferral.objects.filter(referred_at__gte=months_before(at, MARAC_REPEAT_MONTHS))
    own = recent.filter(case=case).order_by("-referred_at").first()
    if own is not None:
        return own
    victim_ids = [s.identifiers for s in victims if s.identifiers]
    perpetrator_ids = [s.identifiers for s in perpetrators if s.identifiers]
    if not victim_ids or not perpetrator_ids:
        return None
    for referral in recent.exclude(case=case).select_related("case").order_by("-referred_at"):
        people = list(referral.case.subjects.values_list("role", "identifiers"))
        same_victim = any(
            role == SubjectRole.VICTIM and _shares_an_identifier(ids, theirs)
            for role, theirs in people
            for ids in victim_ids
        )
        same_perpetrator = any(
            role == SubjectRole.PERPETRATOR and _shares_an_identifier(ids, theirs)
            for role, theirs in people
            for ids in perpetrator_ids
        )
        if same_victim and same_perpetrator:
            return referral
    return None


# --- Personal duties (FGM Act 2003 s5B) ---------------------------------------------------


def duty_last_day(duty: PersonalDuty) -> date:
    """The last London day to make the report: one month from the discovery (s5B(5)(c)),
    counted from the start of the discovery day as its clock is (``duty_clock_from``)."""
    limit = add_months(duty_clock_from(duty), 1).astimezone(LONDON)
    return (limit - timedelta(microseconds=1)).date()


def duties_visible(*, case: Case, user: Any, full: bool | None = None) -> list[PersonalDuty]:
    """The personal duties on ``case`` that ``user`` may see: every one when they see the
    case in full (who owes what, and whether it was reported), else only their own.
    ``full``: whether they do, when the caller has asked the gate already."""
    duties = PersonalDuty.objects.filter(case=case).select_related("owed_by", "agency")
    if full is None:
        full = cases_visible(user, full=True).filter(pk=case.pk).exists()
    if not full:
        duties = duties.filter(owed_by_id=user.pk)
    return list(duties.order_by("recorded_at", "pk"))

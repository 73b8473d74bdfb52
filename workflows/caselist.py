"""The case list: search, filters and sorting, declared once for the page (``/cases/``) and
the API (``GET /api/v1/cases/``), so a bookmarked list and an API query find the same cases.

Everything here narrows ``Case.objects.for_user(user)``. Whatever could tell of a case
beyond its reference, kind and state (its people, place, risk, agencies, clocks) finds or
orders only cases the user sees in full: an outline (a VAWG case's referrer) is never
found, nor ordered, by them. A name finds only the people the user may see named
(``cases.access.subjects_disclosed``): a withheld complainant's name, tried by the other
side, matches nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import django_filters
from django.db.models import Case as Conditional
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Replace, Upper
from django.utils import timezone

from cases.access import subjects_disclosed
from cases.models import MEMBER_ROLES, RISK_ORDER, Case, CaseAgency, CaseKind, RiskLevel
from partners.models import Agency
from partners.selectors import user_agency_ids
from workflows.machines import MACHINES
from workflows.models import ACTIVE_DEADLINE_STATUSES, Deadline, DeadlineStatus
from workflows.policy import MANAGING_ROLES
from workflows.selectors import (
    DEADLINES_DUE_SOON,
    cases_awaiting_action_ids,
    deadlines_seen_as_member,
)

PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100

# One list of states for the filter, each with its label (states shared by several
# workflows, "closed" and "reported", appear once).
STATE_CHOICES = sorted(
    {code: label for machine in MACHINES.values() for code, label in machine.STATES}.items(),
    key=lambda item: item[1],
)

ASSIGNED_CHOICES = [
    ("me", "Assigned to me"),
    ("team", "Led by my agency"),
]
DUE_CHOICES = [("week", f"Deadline due in the next {DEADLINES_DUE_SOON.days} days, or overdue")]
DEADLINES_CHOICES = [("mine", "Deadlines I answer for")]
AWAITING_CHOICES = [("me", "Awaiting my action")]
BREACHED_CHOICES = [("true", "With a breached deadline"), ("false", "Without a breached deadline")]

# Sort keys: the query-string value, its label, and whether it reveals more than an
# outline shows (then outlines sort after the cases seen in full, by reference).
SORTS: dict[str, tuple[str, bool]] = {
    "-opened": ("Newest first", False),
    "opened": ("Oldest first", False),
    "-updated": ("Recently updated", True),
    "updated": ("Least recently updated", True),
    "reference": ("Reference", False),
    "-risk": ("Highest risk first", True),
    "due": ("Next deadline first", True),
}
DEFAULT_SORT = "-opened"


def _agency_choices() -> list[tuple[str, str]]:
    return list(Agency.objects.order_by("name").values_list("code", "name"))


def normalise_search(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced: the form intake stores a name's key in
    (``referrals.validation.normalise_key``, which this app may not import)."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _compact_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def cases_full_q(user: Any) -> Q:
    return Q(pk__in=Case.objects.for_user_full(user).values("pk"))


def _deadlines_seen(user: Any) -> QuerySet[Deadline]:
    """Running deadlines on a case, as ``user`` may know of them (not those a members-only
    fact started, unless they see the case as a member)."""
    return Deadline.objects.filter(
        deadlines_seen_as_member(user), case=OuterRef("pk"), status__in=ACTIVE_DEADLINE_STATUSES
    )


def deadlines_answered_by(user: Any) -> Q:
    """Deadlines ``user`` answers for (as the home page's deadlines section counts them)."""
    return (
        Q(responsible_user=user)
        | Q(case__assigned_officer=user)
        | Q(responsible_agency_id__in=user_agency_ids(user, MANAGING_ROLES))
    )


class CaseListFilter(django_filters.FilterSet):
    """The case list's query string. Invalid values are refused (the API answers 400
    naming the parameter, the page shows the error) rather than silently ignored."""

    q = django_filters.CharFilter(
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        label="Search",
        help_text="Case reference, a person's name (only people you may see named), "
        "postcode, or ward name or code",
    )
    kind = django_filters.ChoiceFilter(
        empty_label="Any", choices=CaseKind.choices, label="Kind of case"
    )
    state = django_filters.ChoiceFilter(empty_label="Any", choices=STATE_CHOICES, label="Status")
    risk = django_filters.ChoiceFilter(
        empty_label="Any", choices=RiskLevel.choices, method="filter_risk", label="Risk"
    )
    ward = django_filters.CharFilter(method="filter_ward", max_length=9, help_text="ONS ward code")
    agency = django_filters.CharFilter(
        method="filter_agency",
        max_length=50,
        help_text="Agency code: cases it leads or takes part in",
    )
    lead_agency = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=_agency_choices,
        method="filter_lead_agency",
        label="Lead agency",
        help_text="Agency code: cases it leads",
    )
    assigned = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=ASSIGNED_CHOICES,
        method="filter_assigned",
        label="Whose cases",
        help_text="me: cases assigned to you; team: cases your agency leads",
    )
    breached = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=BREACHED_CHOICES,
        method="filter_breached",
        label="Breached",
        help_text="true: cases with an unresolved breached deadline; false: without one",
    )
    due = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=DUE_CHOICES,
        method="filter_deadlines",
        label="Due",
        help_text="week: a running deadline due in the next 7 days, or already past due",
    )
    deadlines = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=DEADLINES_CHOICES,
        method="filter_deadlines",
        label="Deadlines",
        help_text="mine: with due or breached, the deadline must be one you answer for "
        "(yours, your case's, or your agency's); alone, any running deadline you answer for",
    )
    awaiting = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=AWAITING_CHOICES,
        method="filter_awaiting",
        label="Awaiting",
        help_text="me: open cases where you may take a step now",
    )
    sort = django_filters.ChoiceFilter(
        empty_label=None,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        method="filter_sort",
        label="Sort by",
        help_text=f"Default {DEFAULT_SORT}",
    )

    class Meta:
        model = Case
        fields = ["kind", "state"]

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    @property
    def user(self) -> Any:
        return self.request.user

    def _full_only(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        # Where a case is and who handles it are details: an outline (a VAWG referrer's
        # view) must not be found by them.
        return queryset.filter(cases_full_q(self.user))

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        if not text:
            return queryset
        found = Q(reference__icontains=text)
        details = Q(pk__in=[])
        key = normalise_search(text)
        if key:
            # Only the people the user may see named: never a withheld person, never a VAWG
            # case's people for someone who may not read the case (subjects_disclosed).
            named = subjects_disclosed(self.user).filter(name_key__contains=key)
            details |= Q(pk__in=named.values("case_id"))
        postcode = _compact_postcode(text)
        if len(postcode) >= 2:
            details |= Q(postcode_compact__contains=postcode)
        details |= Q(ward__name__icontains=text) | Q(ward__code__iexact=text)
        queryset = queryset.annotate(
            postcode_compact=Replace(Upper("postcode"), Value(" "), Value(""))
        )
        return queryset.filter(found | (details & cases_full_q(self.user)))

    def filter_risk(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return self._full_only(queryset.filter(risk=value))

    def filter_ward(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return self._full_only(queryset.filter(ward__code=value.strip().upper()))

    def filter_agency(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        linked = CaseAgency.objects.filter(
            case=OuterRef("pk"), agency__code=value.strip(), role__in=MEMBER_ROLES
        )
        return self._full_only(queryset.filter(Exists(linked)))

    def filter_lead_agency(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return self._full_only(queryset.filter(responsible_agency__code=value))

    def filter_assigned(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "me":
            return self._full_only(queryset.filter(assigned_officer=self.user))
        return self._full_only(
            queryset.filter(responsible_agency_id__in=user_agency_ids(self.user))
        )

    def filter_breached(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "true" and self.form.cleaned_data.get("deadlines"):
            return queryset  # one deadline both breached and the user's: filter_deadlines
        breach = Exists(_deadlines_seen(self.user).filter(status=DeadlineStatus.BREACHED))
        # How a case's clocks stand is a detail, like its ward: outlines are not found by it.
        return self._full_only(
            queryset.filter(breach) if value == "true" else queryset.exclude(breach)
        )

    def filter_deadlines(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """``due``, ``deadlines`` and ``breached=true`` together ask for one deadline that
        is all of them: the home page's deadlines section lists exactly these cases."""
        data = self.form.cleaned_data
        if name == "due" and data.get("deadlines"):
            return queryset  # applied once, with ``deadlines``
        deadlines = _deadlines_seen(self.user)
        if data.get("deadlines") == "mine":
            deadlines = deadlines.filter(deadlines_answered_by(self.user))
        when = Q()
        if data.get("due") == "week":
            when |= Q(status=DeadlineStatus.BREACHED) | Q(due_at__lte=self.now + DEADLINES_DUE_SOON)
        if data.get("breached") == "true":
            when &= Q(status=DeadlineStatus.BREACHED)
        # A deadline on a case seen in full, or a personal duty the user owes on one they
        # see in outline (the FGM report a VAWG referrer owes): the home page lists both.
        owed = Q(case__in=Case.objects.for_user_full(self.user).values("pk")) | Q(
            responsible_user=self.user
        )
        return queryset.filter(Exists(deadlines.filter(owed, when)))

    def filter_awaiting(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.filter(pk__in=cases_awaiting_action_ids(user=self.user))

    def filter_sort(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset  # applied last, in ``filter_queryset``

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        return case_list_order(
            super().filter_queryset(queryset),
            user=self.user,
            sort=self.form.cleaned_data.get("sort") or DEFAULT_SORT,
        )


def case_list_order(queryset: QuerySet[Case], *, user: Any, sort: str) -> QuerySet[Case]:
    """``queryset`` in the order ``sort`` names. A key that tells more than an outline
    shows (risk, activity, clocks) orders only the cases seen in full; outlines follow
    them, by reference."""
    _, reveals = SORTS[sort]
    if not reveals:
        field = {"opened": "opened_at", "reference": "reference"}[sort.lstrip("-")]
        order = [f"-{field}" if sort.startswith("-") else field]
        return queryset.order_by(*order, "-id" if sort.startswith("-") else "id")
    full = cases_full_q(user)
    outline = Conditional(When(full, then=Value(0)), default=Value(1), output_field=IntegerField())
    expr: Any
    output: Any
    if sort in ("updated", "-updated"):
        expr, output, descending = F("updated_at"), DateTimeField(), sort == "-updated"
    elif sort == "-risk":
        expr = Conditional(
            *(When(risk=level, then=Value(n)) for level, n in RISK_ORDER.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
        output, descending = IntegerField(), True
    else:  # due: the soonest running deadline the user may know of
        expr = Subquery(
            _deadlines_seen(user)
            .order_by()
            .values("case")
            .annotate(first=Min("due_at"))
            .values("first")[:1]
        )
        output, descending = DateTimeField(), False
    # Outlines have no key at all, so they cannot be told apart by where they fall.
    key = Conditional(When(full, then=expr), default=Value(None), output_field=output)
    queryset = queryset.annotate(outline=outline, sort_key=key)
    ordered = F("sort_key")
    by_key = ordered.desc(nulls_last=True) if descending else ordered.asc(nulls_last=True)
    return queryset.order_by("outline", by_key, "reference")


def next_deadlines(cases: list[Case], *, user: Any) -> dict[int, Deadline]:
    """For each case (seen in full), its soonest running deadline the user may know of."""
    rows = (
        Deadline.objects.filter(
            deadlines_seen_as_member(user),
            case_id__in=[c.pk for c in cases],
            status__in=ACTIVE_DEADLINE_STATUSES,
        )
        .select_related("policy")
        .order_by("case_id", "due_at", "pk")
    )
    first: dict[int, Deadline] = {}
    for d in rows:
        first.setdefault(d.case_id, d)
    return first

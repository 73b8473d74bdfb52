"""Reads for the workflow pages: cases awaiting a user's action, the early-release tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, Q

from cases.models import Case, CaseKind, Subject, SubjectRole, SupportNeed
from partners.models import Role
from partners.selectors import user_agency_ids, user_has_role
from workflows.calendar import WorkingCalendar, england_and_wales_holidays
from workflows.machines import as_machine
from workflows.services import available_transitions

# Who may open the early-release tracker: the probation practitioners it is for, and those
# who oversee casework. Each still sees only the cases ``for_user_full`` allows them.
RELEASE_TRACKER_ROLES = (Role.PROBATION_PRACTITIONER, Role.MANAGER, Role.AUDITOR)


def cases_awaiting_action(*, user: Any, limit: int = 50) -> list[tuple[Case, list[str]]]:
    """Open cases the user can act on now, each with the transitions they may make.

    Every workflow permission is a role at the case's responsible agency or being its
    assigned officer, so only those cases are candidates; the state machine then decides.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    candidates = (
        Case.objects.for_user(user)
        .open()
        .filter(Q(responsible_agency_id__in=user_agency_ids(user)) | Q(assigned_officer=user))
        .select_related("ward", "responsible_agency")
        .order_by("updated_at")
    )
    result = []
    for case in candidates:
        names = available_transitions(case=as_machine(case), user=user)
        if names:
            result.append((case, names))
            if len(result) >= limit:
                break
    return result


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


def working_calendar(*, years: list[int]) -> WorkingCalendar:
    """England and Wales working days for ``years`` (from the ``holidays`` package)."""
    return WorkingCalendar(holidays=frozenset(england_and_wales_holidays(years)))


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
    calendar = working_calendar(years=sorted({today.year, until.year, until.year + 1}))
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
            )
        )
    return rows

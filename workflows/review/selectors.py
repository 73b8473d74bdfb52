"""Reads of case review applications: a case's, as one user may see them, and the four
counts the partnership publishes each year (s104(10)-(11): applications, threshold not
met, reviews carried out, reviews resulting in recommendations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Case
from workflows.policy import case_review_visibility
from workflows.review.models import CaseReviewApplication, ReviewState


def case_review_applications(
    *, case: Case, user: Any, member: bool | None = None
) -> QuerySet[CaseReviewApplication]:
    """The case's applications, newest first: none unless ``user`` may see them at all
    (``workflows.policy.case_review_visibility``; the caller asks ``applicant_disclosed``
    before showing who applied). ``member``: as ``case_review_visibility`` takes it."""
    if case_review_visibility(user=user, case=case, member=member) == "none":
        return CaseReviewApplication.objects.none()
    return (
        CaseReviewApplication.objects.filter(case=case)
        .select_related("case", "received_by")
        .prefetch_related("complaints", "meeting_agencies")
    )


@dataclass(frozen=True)
class CaseReviewCounts:
    applications: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int


def case_review_counts(*, start: datetime, end: datetime) -> CaseReviewCounts:
    """The publication counts for ``start <= t < end``: applications by when they were
    received, threshold decisions by when they were made, reviews by when the meeting was
    held, recommendations by when the outcome was recorded."""
    rows = CaseReviewApplication.objects.all()
    day_from, day_to = timezone.localdate(start), timezone.localdate(end)
    return CaseReviewCounts(
        applications=rows.filter(received_at__gte=start, received_at__lt=end).count(),
        threshold_not_met=rows.filter(
            state=ReviewState.THRESHOLD_NOT_MET, decided_at__gte=start, decided_at__lt=end
        ).count(),
        reviews_carried_out=rows.filter(meeting_on__gte=day_from, meeting_on__lt=day_to).count(),
        reviews_with_recommendations=rows.filter(
            outcome_recorded_at__gte=start, outcome_recorded_at__lt=end
        )
        .exclude(Q(recommendations="") | Q(recommendations__regex=r"^\s*$"))
        .count(),
    )

"""The start-up check of the local case review thresholds: s104(4) of the ASB, Crime and
Policing Act 2014 lets a local threshold be no more than three complaints (in six months),
so a larger number is a configuration error, named, before the service takes requests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from cases.catalogue import ASB_CATEGORIES

STATUTORY_MAXIMUM = 3  # s104(4)
STATUTORY_WINDOW_DAYS = 183  # six months


def check_case_review_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    general = settings.CASE_REVIEW_THRESHOLD
    if not 1 <= general <= STATUTORY_MAXIMUM:
        errors.append(
            Error(
                f"CASE_REVIEW_THRESHOLD is {general}: the local threshold for an ASB case "
                f"review must be between 1 and {STATUTORY_MAXIMUM} complaints "
                "(ASB, Crime and Policing Act 2014 s104(4)).",
                id="workflows.E101",
            )
        )
    codes = {c.code for c in ASB_CATEGORIES}
    for category, number in settings.CASE_REVIEW_CATEGORY_THRESHOLDS.items():
        if category not in codes:
            errors.append(
                Error(
                    f"CASE_REVIEW_CATEGORY_THRESHOLDS names {category!r}, which is not an ASB "
                    f"category ({', '.join(sorted(codes))}).",
                    id="workflows.E102",
                )
            )
        if not 1 <= number <= STATUTORY_MAXIMUM:
            errors.append(
                Error(
                    f"CASE_REVIEW_CATEGORY_THRESHOLDS[{category!r}] is {number}: a local "
                    f"threshold must be between 1 and {STATUTORY_MAXIMUM} complaints "
                    "(ASB, Crime and Policing Act 2014 s104(4)).",
                    id="workflows.E101",
                )
            )
    if not 1 <= settings.CASE_REVIEW_WINDOW_DAYS <= STATUTORY_WINDOW_DAYS:
        errors.append(
            Error(
                f"CASE_REVIEW_WINDOW_DAYS is {settings.CASE_REVIEW_WINDOW_DAYS}: the complaints "
                f"counted may span at most six months ({STATUTORY_WINDOW_DAYS} days, s104(4)).",
                id="workflows.E103",
            )
        )
    if settings.CASE_REVIEW_COMPLAINT_WITHIN_MONTHS < 1:
        errors.append(
            Error(
                "CASE_REVIEW_COMPLAINT_WITHIN_MONTHS must be 1 or more (s104: one month).",
                id="workflows.E104",
            )
        )
    return errors

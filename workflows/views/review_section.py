"""The case page's section on ASB case review applications (workflows.views.review has
the pages for each step)."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from workflows.api.review import application_row
from workflows.policy import case_review_visibility, may_record_case_review
from workflows.review.models import CaseReviewApplication
from workflows.review.selectors import case_review_applications

STEP_TITLES = {
    "threshold": "Decide whether the threshold is met",
    "decision-told": "Record that the applicant was told the decision",
    "meeting": "Record the review meeting",
    "outcome": "Record the outcome",
    "outcome-told": "Record that the applicant was told the outcome",
}


def next_steps(application: CaseReviewApplication) -> list[tuple[str, str]]:
    """(slug, title) of the steps the application may take now."""
    state = application.state
    found = []
    if state == "received":
        found.append("threshold")
    if application.decided_at is not None and application.decision_told_at is None:
        found.append("decision-told")
    if state == "threshold_met":
        found.append("meeting")
    if state == "meeting_held":
        found.append("outcome")
    if state == "outcome_recorded" and application.outcome_told_at is None:
        found.append("outcome-told")
    return [(slug, STEP_TITLES[slug]) for slug in found]


def case_reviews_context(case: Case, user: Any, *, member: bool) -> dict[str, Any]:
    """The case page's section: nothing for those who may not see it. ``member``: the
    page's own ``sees_as_member`` answer."""
    if case_review_visibility(user=user, case=case, member=member) == "none":
        return {"case_reviews": None}
    may_move = may_record_case_review(user=user, case=case)
    rows = []
    for application in case_review_applications(case=case, user=user, member=member):
        row = application_row(application, user=user, member=member)
        row["received_by_name"] = application.received_by.name
        row["state_label"] = application.get_state_display()
        row["steps"] = next_steps(application) if may_move else []
        rows.append(row)
    return {"case_reviews": rows, "may_record_case_review": may_move}

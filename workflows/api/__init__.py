"""The workflows app's endpoints: cases, SLA deadlines and the audit trail."""

from __future__ import annotations

from django.urls import path

from workflows.api.audit import AuditTrailView
from workflows.api.cases import (
    CaseDetailView,
    CaseHistoryView,
    CaseListView,
    CaseMilestoneView,
    CaseTransitionView,
)
from workflows.api.duties import (
    CaseDutiesView,
    CaseFgmDiscoveryView,
    DutyNotOwedView,
    DutyReportView,
)
from workflows.api.people import CaseSafeContactView, CaseSubjectDisclosureView
from workflows.api.review import (
    CaseReviewDecisionToldView,
    CaseReviewMeetingView,
    CaseReviewOutcomeToldView,
    CaseReviewOutcomeView,
    CaseReviewThresholdView,
)
from workflows.api.sla import (
    DeadlineListView,
    DeadlinePauseView,
    DeadlineResumeView,
    SlaBreachesReportView,
)

urlpatterns = [
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<id:pk>/", CaseDetailView.as_view(), name="api-case"),
    path("cases/<id:pk>/transitions/", CaseTransitionView.as_view(), name="api-case-transitions"),
    path("cases/<id:pk>/history/", CaseHistoryView.as_view(), name="api-case-history"),
    path(
        "cases/<id:pk>/deadlines/<id:deadline_id>/pause/",
        DeadlinePauseView.as_view(),
        name="api-deadline-pause",
    ),
    path(
        "cases/<id:pk>/deadlines/<id:deadline_id>/resume/",
        DeadlineResumeView.as_view(),
        name="api-deadline-resume",
    ),
    path("cases/<id:pk>/milestones/", CaseMilestoneView.as_view(), name="api-case-milestones"),
    path("cases/<id:pk>/duties/", CaseDutiesView.as_view(), name="api-case-duties"),
    path(
        "cases/<id:pk>/duties/<id:duty_id>/report/",
        DutyReportView.as_view(),
        name="api-duty-report",
    ),
    path(
        "cases/<id:pk>/duties/<id:duty_id>/not-owed/",
        DutyNotOwedView.as_view(),
        name="api-duty-not-owed",
    ),
    path(
        "cases/<id:pk>/fgm-discovery/",
        CaseFgmDiscoveryView.as_view(),
        name="api-case-fgm-discovery",
    ),
    path(
        "cases/<id:pk>/safe-contact/", CaseSafeContactView.as_view(), name="api-case-safe-contact"
    ),
    path(
        "cases/<id:pk>/people/<id:subject_id>/disclosure/",
        CaseSubjectDisclosureView.as_view(),
        name="api-case-subject-disclosure",
    ),
    # The list and recording an application: referrals.case_review (intake).
    *[
        path(f"cases/<id:pk>/case-reviews/<id:application_id>/{step}/", view.as_view(), name=name)
        for step, view, name in [
            ("threshold", CaseReviewThresholdView, "api-case-review-threshold"),
            ("decision-told", CaseReviewDecisionToldView, "api-case-review-decision-told"),
            ("meeting", CaseReviewMeetingView, "api-case-review-meeting"),
            ("outcome", CaseReviewOutcomeView, "api-case-review-outcome"),
            ("outcome-told", CaseReviewOutcomeToldView, "api-case-review-outcome-told"),
        ]
    ],
    path("deadlines/", DeadlineListView.as_view(), name="api-deadlines"),
    path("audit/", AuditTrailView.as_view(), name="api-audit"),
    path("reports/sla-breaches/", SlaBreachesReportView.as_view(), name="api-report-sla-breaches"),
]

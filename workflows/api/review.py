"""ASB case review applications on a case: the list, and each step after the application
(threshold decision, applicant told, meeting, outcome, applicant told of the outcome).
Recording an application reads the service's referrals, so it sits with intake
(``referrals.case_review``, the same URL's POST).

Who sees what is ``workflows.policy``'s: the applicant and the complaints only to the lead
and receiving agencies (and auditors), the progress to the other agencies working on the
case, nothing to a referrer who is not working on it or to anyone else (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import visible_case_or_404
from cases.models import Case
from partners.models import Agency
from web.api import StrictSerializer
from workflows.actions import (
    case_review_decision_told,
    case_review_meeting_record,
    case_review_outcome_record,
    case_review_outcome_told,
    case_review_threshold_decide,
)
from workflows.policy import applicant_disclosed, case_review_visibility
from workflows.review.models import CaseReviewApplication
from workflows.review.selectors import case_review_applications


class ComplaintSerializer(serializers.Serializer[Any]):
    origin = serializers.CharField(help_text="referral, or other_body")
    reference = serializers.CharField()
    body = serializers.CharField(help_text="Who the complaint was made to.")
    complained_on = serializers.DateField()
    behaviour_on = serializers.DateField()
    category = serializers.CharField()
    description = serializers.CharField()
    same_incident_as = serializers.CharField()
    counted = serializers.BooleanField(help_text="Whether it counted towards the threshold.")
    why = serializers.CharField(help_text="Why it counted, or why not.")


class CaseReviewSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    received_by = serializers.CharField(help_text="The receiving agency's code.")
    threshold_met = serializers.BooleanField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_told_at = serializers.DateTimeField(allow_null=True)
    meeting_on = serializers.DateField(allow_null=True)
    meeting_agencies = serializers.ListField(child=serializers.CharField())
    outcome_recorded_at = serializers.DateTimeField(allow_null=True)
    has_recommendations = serializers.BooleanField(allow_null=True)
    outcome_told_at = serializers.DateTimeField(allow_null=True)
    disclosed = serializers.BooleanField(
        help_text="false: you see the progress only; who applied, the complaints, the reasons "
        "and the recommendations are null (the applicant is on the complaining side)."
    )
    applicant_name = serializers.CharField(allow_null=True)
    applicant_is_victim = serializers.BooleanField(allow_null=True)
    victim_consent_recorded_at = serializers.DateTimeField(allow_null=True)
    calculated_met = serializers.BooleanField(allow_null=True)
    calculation = serializers.CharField(allow_null=True)
    decision_reasons = serializers.CharField(allow_null=True)
    recommendations = serializers.CharField(allow_null=True)
    complaints = ComplaintSerializer(many=True, allow_null=True)


class CaseReviewListSerializer(serializers.Serializer[Any]):
    results = CaseReviewSerializer(many=True)


def application_row(
    application: CaseReviewApplication, *, user: Any, member: bool | None = None
) -> dict[str, Any]:
    """What ``user`` may read of ``application``: the API and the page's one shape.
    ``member``: ``sees_as_member(user, case)`` if the caller knows it."""
    decided = application.decided_at is not None
    outcome = application.outcome_recorded_at is not None
    row: dict[str, Any] = {
        "id": application.pk,
        "state": application.state,
        "received_at": application.received_at,
        "received_by": application.received_by.code,
        "threshold_met": application.state not in ("received", "threshold_not_met")
        if decided
        else None,
        "decided_at": application.decided_at,
        "decision_told_at": application.decision_told_at,
        "meeting_on": application.meeting_on,
        "meeting_agencies": sorted(a.code for a in application.meeting_agencies.all()),
        "outcome_recorded_at": application.outcome_recorded_at,
        "has_recommendations": application.has_recommendations if outcome else None,
        "outcome_told_at": application.outcome_told_at,
        "disclosed": applicant_disclosed(user=user, application=application, member=member),
    }
    hidden = not row["disclosed"]
    row |= {
        "applicant_name": None if hidden else application.applicant_name,
        "applicant_is_victim": None if hidden else application.applicant_is_victim,
        "victim_consent_recorded_at": None if hidden else application.victim_consent_recorded_at,
        "calculated_met": None if hidden else application.calculated_met,
        "calculation": None if hidden else application.calculation,
        "decision_reasons": None if hidden else application.decision_reasons,
        "recommendations": None if hidden else application.recommendations,
        "complaints": None
        if hidden
        else [
            {
                "origin": c.source,
                "reference": c.reference,
                "body": c.body,
                "complained_on": c.complained_on,
                "behaviour_on": c.behaviour_on,
                "category": c.category,
                "description": c.description,
                "same_incident_as": c.same_incident_as,
                "counted": c.counted,
                "why": c.why,
            }
            for c in application.complaints.all()
        ],
    }
    return row


def case_for_reviews(user: Any, pk: int) -> Case:
    """The case, if ``user`` may see its case review applications at all; else 404 (a 403
    would tell a referrer that an application exists)."""
    case, _ = visible_case_or_404(user, pk)
    if case_review_visibility(user=user, case=case) == "none":
        raise exceptions.NotFound()
    return case


def case_reviews_response(case: Case, user: Any, status: int = 200) -> Response:
    rows = [application_row(a, user=user) for a in case_review_applications(case=case, user=user)]
    return Response({"results": CaseReviewSerializer(rows, many=True).data}, status=status)


LIST_DOC = (
    "The case's ASB case review (Community Trigger) applications, newest first. The lead "
    "and receiving agencies (and auditors) read who applied, the complaints relied on with "
    "whether each counted and why, the reasons and the recommendations; the other agencies "
    "working on the case read the progress only (disclosed: false); anyone else gets 404."
)


def _application(case: Case, application_id: int) -> CaseReviewApplication:
    found = CaseReviewApplication.objects.filter(pk=application_id, case=case).first()
    if found is None:
        raise exceptions.NotFound()
    return found


class _StepView(APIView):
    """POST one step to an application: the body's fields are the step's, and the answer
    is the case's applications as the caller may read them."""

    body_class: type[StrictSerializer]
    step: Callable[..., CaseReviewApplication]

    def post(self, request: Request, pk: int, application_id: int) -> Response:
        case = case_for_reviews(request.user, pk)
        application = _application(case, application_id)
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        type(self).step(
            application_id=application.pk, by=request.user, **self.arguments(body.validated_data)
        )
        return case_reviews_response(case, request.user)

    def arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return dict(data)


STEP_RESPONSES = {
    200: CaseReviewListSerializer,
    400: OpenApiResponse(description="A field is missing or wrong; the problem names it."),
    403: OpenApiResponse(description="Only the lead agency's working roles move a review."),
    404: OpenApiResponse(description="No such case or application that you may see."),
    409: OpenApiResponse(description="The application is not at this step."),
}


class ThresholdSerializer(StrictSerializer):
    met = serializers.BooleanField(help_text="Whether the threshold is met.")
    reasons = serializers.CharField(
        max_length=4000,
        help_text="Why: the applicant is told the decision and its reasons (s104(6)).",
    )


class NothingSerializer(StrictSerializer):
    pass


class MeetingSerializer(StrictSerializer):
    meeting_on = serializers.DateField(help_text="The day the review meeting was held.")
    agencies = serializers.ListField(
        child=serializers.SlugRelatedField(
            slug_field="code", queryset=Agency.objects.filter(is_active=True)
        ),
        allow_empty=False,
        help_text="Codes of the agencies present.",
    )


class OutcomeSerializer(StrictSerializer):
    recommendations = serializers.CharField(
        max_length=8000,
        allow_blank=True,
        help_text="The review's recommendations; blank if it made none (s104(7)).",
    )


class CaseReviewThresholdView(_StepView):
    body_class = ThresholdSerializer
    step = staticmethod(case_review_threshold_decide)

    @extend_schema(
        request=ThresholdSerializer,
        responses=STEP_RESPONSES,
        description="Decide whether the threshold is met, with reasons (s104(3), (6)). The "
        "reasons stay on the application; the case's history holds their digest.",
    )
    def post(self, request: Request, pk: int, application_id: int) -> Response:
        return super().post(request, pk, application_id)


class CaseReviewDecisionToldView(_StepView):
    body_class = NothingSerializer
    step = staticmethod(case_review_decision_told)

    @extend_schema(
        request=NothingSerializer,
        responses=STEP_RESPONSES,
        description="Record that the applicant was told the threshold decision and its "
        "reasons (s104(6)).",
    )
    def post(self, request: Request, pk: int, application_id: int) -> Response:
        return super().post(request, pk, application_id)


class CaseReviewMeetingView(_StepView):
    body_class = MeetingSerializer
    step = staticmethod(case_review_meeting_record)

    @extend_schema(
        request=MeetingSerializer,
        responses=STEP_RESPONSES,
        description="Record the review meeting: its date (not in the future, not before the "
        "threshold decision) and the agencies present.",
    )
    def post(self, request: Request, pk: int, application_id: int) -> Response:
        return super().post(request, pk, application_id)


class CaseReviewOutcomeView(_StepView):
    body_class = OutcomeSerializer
    step = staticmethod(case_review_outcome_record)

    @extend_schema(
        request=OutcomeSerializer,
        responses=STEP_RESPONSES,
        description="Record the review's outcome and recommendations, which may be none (s104(7)).",
    )
    def post(self, request: Request, pk: int, application_id: int) -> Response:
        return super().post(request, pk, application_id)


class CaseReviewOutcomeToldView(_StepView):
    body_class = NothingSerializer
    step = staticmethod(case_review_outcome_told)

    @extend_schema(
        request=NothingSerializer,
        responses=STEP_RESPONSES,
        description="Record that the applicant was told the outcome and any recommendations "
        "(s104(8)).",
    )
    def post(self, request: Request, pk: int, application_id: int) -> Response:
        return super().post(request, pk, application_id)

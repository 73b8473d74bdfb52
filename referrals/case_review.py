"""Recording an application for an ASB case review (Community Trigger, ASB, Crime and
Policing Act 2014 s104): intake of an application, which relies on referrals already in
this service and on complaints held by other bodies. The steps that follow it are the
case's workflow (``workflows.actions.review``, ``workflows.api.review``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.catalogue import ASB_CATEGORIES
from cases.models import Case, CaseKind
from partners.models import Agency
from referrals.selectors import referral_complaint, referrals_for_user, referrals_readable_in_full
from web.api import StrictSerializer
from web.idempotency import IdempotentCreateMixin
from workflows.actions import ReliedOn, case_review_application_record
from workflows.api.review import (
    LIST_DOC,
    STEP_RESPONSES,
    CaseReviewListSerializer,
    case_for_reviews,
    case_reviews_response,
)
from workflows.errors import InvalidTransitionData, TransitionForbidden
from workflows.policy import case_review_refusal
from workflows.review.models import CaseReviewApplication, ComplaintSource
from workflows.review.threshold import Complaint

ASB_CATEGORY_CHOICES = [("", "Not given")] + [(c.code, c.label) for c in ASB_CATEGORIES]


def case_review_relied_on(
    *,
    user: Any,
    referrals: Iterable[Mapping[str, Any]],
    other_complaints: Iterable[Mapping[str, Any]],
) -> list[ReliedOn]:
    """The complaints an application relies on: the user's readable ASB referrals by
    reference, then the other bodies' complaints. Raises InvalidTransitionData naming the
    entry (``referrals[1].reference``) when a referral is not one the user may read."""
    wanted = list(referrals)
    references = [str(r.get("reference", "")) for r in wanted]
    found = {
        r.reference: r
        for r in referrals_for_user(user)
        .filter(reference__in=references, kind=CaseKind.ASB)
        .select_related("raising_agency")
        .prefetch_related("subjects")
    }
    readable = referrals_readable_in_full(user, list(found.values()))
    relied: list[ReliedOn] = []
    for n, item in enumerate(wanted):
        referral = found.get(references[n])
        if referral is None or referral.pk not in readable:
            raise InvalidTransitionData(
                {
                    f"referrals[{n}].reference": "No ASB referral with this reference that you "
                    "may read."
                }
            )
        relied.append(
            ReliedOn(
                referral_complaint(referral, same_incident_as=item.get("same_incident_as", "")),
                source=ComplaintSource.REFERRAL,
                description=referral.summary[:500],
            )
        )
    for n, item in enumerate(other_complaints):
        complained_on: date = item["complained_on"]
        key = item.get("reference") or f"{item['body']} {complained_on:%d/%m/%Y} #{n + 1}"
        relied.append(
            ReliedOn(
                Complaint(
                    key=key,
                    body=item["body"],
                    complained_on=complained_on,
                    behaviour_on=item["behaviour_on"],
                    category=item.get("category", ""),
                    same_incident_as=item.get("same_incident_as", ""),
                ),
                source=ComplaintSource.OTHER_BODY,
                description=item.get("description", ""),
            )
        )
    return relied


def case_review_application_receive(
    *,
    case: Case,
    by: Any,
    applicant_name: str,
    applicant_is_victim: bool,
    victim_consent: bool,
    received_at: datetime,
    received_by: Agency | None,
    referrals: Iterable[Mapping[str, Any]] = (),
    other_complaints: Iterable[Mapping[str, Any]] = (),
) -> CaseReviewApplication:
    """Record an application on ``case`` (pages and the API call this). Who may is asked
    before the referrals are looked up, so a refused caller learns nothing of them."""
    if refusal := case_review_refusal(user=by, case=case):
        raise TransitionForbidden(refusal)
    relied = case_review_relied_on(user=by, referrals=referrals, other_complaints=other_complaints)
    return case_review_application_record(
        case_id=case.pk,
        by=by,
        applicant_name=applicant_name,
        applicant_is_victim=applicant_is_victim,
        victim_consent=victim_consent,
        received_at=received_at,
        received_by=received_by or case.responsible_agency,
        relied_on=relied,
    )


# --- API --------------------------------------------------------------------------------


class ReferralReliedOnSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=24, help_text="An ASB referral's reference.")
    same_incident_as = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="The reference of another complaint here about the same incident.",
    )


class OtherComplaintSerializer(StrictSerializer):
    body = serializers.CharField(max_length=200, help_text="Who the complaint was made to.")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    complained_on = serializers.DateField(help_text="When the complaint was made.")
    behaviour_on = serializers.DateField(help_text="When the behaviour happened.")
    category = serializers.ChoiceField(
        choices=ASB_CATEGORY_CHOICES,
        required=False,
        default="",
        help_text="The ASB category, if known (hate_related: a hate incident).",
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    same_incident_as = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )


class CaseReviewApplicationSerializer(StrictSerializer):
    applicant_name = serializers.CharField(max_length=200)
    applicant_is_victim = serializers.BooleanField(
        help_text="false: applying on the victim's behalf, which needs their consent."
    )
    victim_consent = serializers.BooleanField(
        required=False, default=False, help_text="The victim consents (when on their behalf)."
    )
    received_at = serializers.DateTimeField(help_text="When the application was received.")
    received_by = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The agency that received it (default: the case's lead agency).",
    )
    referrals = ReferralReliedOnSerializer(many=True, required=False, default=list)
    other_complaints = OtherComplaintSerializer(many=True, required=False, default=list)


class CaseReviewsView(IdempotentCreateMixin, APIView):
    @extend_schema(responses={200: CaseReviewListSerializer}, description=LIST_DOC)
    def get(self, request: Request, pk: int) -> Response:
        return case_reviews_response(case_for_reviews(request.user, pk), request.user)

    @extend_schema(
        request=CaseReviewApplicationSerializer,
        responses={**STEP_RESPONSES, 201: CaseReviewListSerializer},
        description="Record an application for an ASB case review on an ASB case in any "
        "state, closed and no further action included (s104). The lead agency's working "
        "roles record it, whoever received it. Each complaint relied on is assessed: it "
        "counts only if made within one month of the behaviour, in the window, and about an "
        "incident not already counted; the answer says which counted and why. The threshold "
        "itself is then decided (POST .../threshold/). Send an Idempotency-Key to retry safely.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = case_for_reviews(request.user, pk)
        body = CaseReviewApplicationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_review_application_receive(case=case, by=request.user, **body.validated_data)
        return case_reviews_response(case, request.user, status=201)
